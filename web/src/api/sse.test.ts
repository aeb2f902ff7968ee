import { describe, expect, it } from 'vitest';
import { SSEParser, openStream, type StreamState } from './sse';

describe('SSEParser', () => {
  it('reads events split anywhere, with comments, CRLF and multi-line data', () => {
    const p = new SSEParser();
    const wire = ': ping\n\nevent: transition\ndata: {"a":1}\n\nevent: offer\r\ndata: line1\r\ndata: line2\r\n\r\ndata: plain\n\n';
    const got = [];
    for (let i = 0; i < wire.length; i += 3) got.push(...p.push(wire.slice(i, i + 3)));
    expect(got).toEqual([
      { event: 'transition', data: '{"a":1}' },
      { event: 'offer', data: 'line1\nline2' },
      { event: 'message', data: 'plain' },
    ]);
  });

  it('keeps an unfinished event until its blank line', () => {
    const p = new SSEParser();
    expect(p.push('event: x\ndata: 1\n')).toEqual([]);
    expect(p.push('\n')).toEqual([{ event: 'x', data: '1' }]);
  });
});

describe('openStream', () => {
  it('reports live, then down when the stream ends, and reconnects', async () => {
    let calls = 0;
    const states: StreamState[] = [];
    const messages: string[] = [];
    const fetchFn = async () => {
      calls++;
      const body = new ReadableStream<Uint8Array>({
        start(c) {
          c.enqueue(new TextEncoder().encode(`event: n\ndata: ${calls}\n\n`));
          c.close();
        },
      });
      return new Response(body, { status: 200, headers: { 'Content-Type': 'text/event-stream' } });
    };
    const stop = openStream('http://x/stream', {
      fetch: fetchFn,
      onMessage: (m) => messages.push(m.data),
      onState: (s) => states.push(s),
      delayMs: 5,
    });
    await expect.poll(() => calls, { timeout: 2000 }).toBeGreaterThanOrEqual(2);
    stop();
    expect(messages.slice(0, 2)).toEqual(['1', '2']);
    expect(states.slice(0, 4)).toEqual(['connecting', 'live', 'down', 'connecting']);
  });
});
