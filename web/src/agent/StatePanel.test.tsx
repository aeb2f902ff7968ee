import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { initI18n } from '../i18n';
import { ApiError } from '../api/session';
import { StatePanel, type StatePanelProps } from './StatePanel';
import type { AgentState } from './useAgentLive';

beforeAll(() => {
  initI18n('en');
});
afterEach(cleanup);

const base: AgentState = {
  agent_id: 'a1',
  state: 'ready',
  since: '2026-03-01T09:00:00Z',
  in_state_seconds: 5,
  pending_not_ready: false,
  offers: [],
  queues: ['q1'],
  work: {},
  today: { handled: 0, outbound: 0, talk_seconds: 0, busy_seconds: 0, ready_seconds: 0, not_ready_seconds: 0, break_seconds: 0, after_call_work_seconds: 0 },
};

function panel(p: Partial<StatePanelProps> & { state: AgentState }) {
  const now = Date.parse('2026-03-01T09:00:10Z');
  return render(
    <StatePanel fetchedAt={now} now={now} reasons={[{ code: 'lunch', label: 'Lunch' }, { code: 'meeting' }]} readOnly={false} act={async () => undefined} {...p} />,
  );
}

describe('StatePanel', () => {
  it('keeps the keyboard focus in the panel when the focused action goes away with the state', () => {
    const r = panel({ state: { ...base, state: 'not_ready', reason: 'lunch' } });
    screen.getByRole('button', { name: 'Ready' }).focus();
    r.rerender(
      <StatePanel fetchedAt={0} now={0} reasons={[{ code: 'lunch', label: 'Lunch' }]} readOnly={false} act={async () => undefined} state={base} />,
    );
    expect(screen.queryByRole('button', { name: 'Ready' })).toBeNull();
    expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Not ready' }));
  });

  it('asks for not ready with the chosen reason code, and shows default codes in the user language', async () => {
    const act_ = vi.fn(async () => undefined);
    panel({ state: base, act: act_ });
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Not ready' })));
    expect(act_).toHaveBeenCalledWith('not_ready', 'lunch');
    // a code without a label is named by the desktop
    expect(screen.getByText('Lunch')).toBeTruthy();
  });

  it('shows a refused break with how many are on break of how many', async () => {
    const act_ = vi.fn(async () => {
      throw new ApiError(409, 'break_cap_reached', 'break cap of group "" reached', { on_break: 2, max: 2 });
    });
    panel({ state: base, act: act_ });
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Request a break' })));
    expect(act_).toHaveBeenCalledWith('break', undefined);
    expect(screen.getByTestId('action-result').textContent).toContain('Break refused: 2 of 2 agents allowed are on break now');
  });

  it('counts after-call work down from wrap_until and ends it with Done', async () => {
    const act_ = vi.fn(async () => undefined);
    const now = Date.parse('2026-03-01T09:00:10Z');
    const acw = { ...base, state: 'after_call_work' as const, wrap_until: '2026-03-01T09:00:40Z' };
    const { rerender } = panel({ state: acw, act: act_ });
    expect(screen.getByTestId('acw-countdown').textContent).toBe('30 s left, then you are ready again');
    rerender(<StatePanel state={acw} fetchedAt={now} now={now + 12_500} reasons={[]} readOnly={false} act={act_} />);
    expect(screen.getByTestId('acw-countdown').textContent).toBe('18 s left, then you are ready again');
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Done' })));
    expect(act_).toHaveBeenCalledWith('end_wrap', undefined);
  });

  it('explains a missed call (RONA) and what to do next', () => {
    panel({ state: { ...base, state: 'not_ready', reason: 'no answer' } });
    const rona = screen.getByTestId('rona');
    expect(rona.textContent).toContain('You missed a call');
    expect(rona.textContent).toContain('Press Ready when you can take calls again');
    expect(screen.getByRole('button', { name: 'Ready' })).toBeTruthy();
    cleanup();
    panel({ state: { ...base, state: 'not_ready', reason: 'lunch' } });
    expect(screen.queryByTestId('rona')).toBeNull();
  });

  it('has a shortcut for each action (Alt+R: ready) and none while read-only', async () => {
    const act_ = vi.fn(async () => undefined);
    const { unmount } = panel({ state: { ...base, state: 'not_ready', reason: 'lunch' }, act: act_ });
    await act(async () => fireEvent.keyDown(window, { code: 'KeyR', altKey: true }));
    expect(act_).toHaveBeenCalledWith('ready', undefined);
    unmount();
    const ro = vi.fn(async () => undefined);
    panel({ state: { ...base, state: 'not_ready', reason: 'lunch' }, act: ro, readOnly: true });
    await act(async () => fireEvent.keyDown(window, { code: 'KeyR', altKey: true }));
    expect(ro).not.toHaveBeenCalled();
    expect((screen.getByRole('button', { name: 'Ready' }) as HTMLButtonElement).disabled).toBe(true);
  });
});
