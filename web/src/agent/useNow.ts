// The clock moved to app/ (the wallboard counts with it too).
export { useNow } from '../app/useNow';
