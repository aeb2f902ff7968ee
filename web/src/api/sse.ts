// Server-sent events over fetch: EventSource cannot send the Authorization
// header the API needs. The stream reconnects by itself; its state says
// whether the data on screen is live.

export interface SSEMessage {
  event: string;
  data: string;
}

/**
 * SSEParser turns the bytes of an event stream into messages
 * (https://html.spec.whatwg.org/multipage/server-sent-events.html): lines
 * "event:" and "data:" (several data lines join with "\n"), a blank line
 * ends a message, lines starting with ":" are comments (keep-alives).
 */
export class SSEParser {
  private buf = '';
  private event = '';
  private data: string[] = [];

  push(chunk: string): SSEMessage[] {
    this.buf += chunk;
    const out: SSEMessage[] = [];
    let nl: number;
    while ((nl = this.buf.search(/\r\n|\r|\n/)) >= 0) {
      // A CR at the end of a chunk may be the first half of a CRLF.
      if (this.buf[nl] === '\r' && nl === this.buf.length - 1) break;
      const line = this.buf.slice(0, nl);
      const sep = this.buf.startsWith('\r\n', nl) ? 2 : 1;
      this.buf = this.buf.slice(nl + sep);
      if (line === '') {
        if (this.data.length > 0) out.push({ event: this.event || 'message', data: this.data.join('\n') });
        this.event = '';
        this.data = [];
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? '' : line.slice(colon + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      if (field === 'event') this.event = value;
      else if (field === 'data') this.data.push(value);
    }
    return out;
  }
}

export type StreamState = 'connecting' | 'live' | 'down';

export interface StreamOptions {
  fetch: (req: Request) => Promise<Response>;
  onMessage: (m: SSEMessage) => void;
  onState: (s: StreamState) => void;
  /** First reconnect delay; doubles up to maxDelayMs. */
  delayMs?: number;
  maxDelayMs?: number;
}

/** Opens url as an event stream until the returned function is called. */
export function openStream(url: string, o: StreamOptions): () => void {
  const ctl = new AbortController();
  let delay = o.delayMs ?? 250;
  const max = o.maxDelayMs ?? 4000;
  const run = async () => {
    while (!ctl.signal.aborted) {
      o.onState('connecting');
      try {
        const res = await o.fetch(new Request(url, { headers: { Accept: 'text/event-stream' }, signal: ctl.signal }));
        if (!res.ok || !res.body) throw new Error('stream answered ' + res.status);
        o.onState('live');
        delay = o.delayMs ?? 250;
        const parser = new SSEParser();
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          for (const m of parser.push(value)) {
            if (m.event === 'end') throw new Error('stream ended by the server');
            o.onMessage(m);
          }
        }
      } catch {
        // reconnect below
      }
      if (ctl.signal.aborted) return;
      o.onState('down');
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, max);
    }
  };
  void run();
  return () => ctl.abort();
}
