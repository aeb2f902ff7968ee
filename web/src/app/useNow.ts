import { useEffect, useState } from 'react';

/** The time now, refreshed every periodMs: what live figures count from. */
export function useNow(periodMs = 250): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), periodMs);
    return () => clearInterval(id);
  }, [periodMs]);
  return now;
}
