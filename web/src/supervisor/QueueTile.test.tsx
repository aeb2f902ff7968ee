import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cleanup, render, screen } from '@testing-library/react';
import { initI18n } from '../i18n';
import i18next from 'i18next';
import { QueueTile } from './Wallboard';
import type { Tile } from './board';

beforeAll(() => {
  initI18n('en');
});
afterEach(cleanup);

const tile: Tile = {
  queueId: 'q1', waiting: 3, longestWaitSeconds: 75.4, serviceLevel: 0.857, serviceLevelThresholdSeconds: 20, abandonRate: 0.1,
  offered: 14, windowMinutes: 15, agents: { ready: 2, busy: 1 }, loggedIn: 3,
};

describe('QueueTile', () => {
  it("shows the queue's figures with the service level's threshold and window", () => {
    render(<QueueTile tile={tile} name="support" />);
    const el = screen.getByTestId('queue-tile');
    expect(el.getAttribute('data-waiting')).toBe('3');
    for (const want of ['support', '1:15', 'Service level (20 s)', '86%', '10%', 'Last 15 min: 14 offered', 'Ready 2', 'On a call 1']) {
      expect(el.textContent).toContain(want);
    }
  });

  it('in Traditional Chinese', async () => {
    await i18next.changeLanguage('zh-TW');
    render(<QueueTile tile={{ ...tile, waiting: 0, serviceLevel: null, abandonRate: null, loggedIn: 0, agents: {} }} name="support" />);
    const text = screen.getByTestId('queue-tile').textContent ?? '';
    expect(text).toContain('服務水準（20 秒）');
    expect(text).toContain('沒有值機中的客服人員');
    expect(text).not.toContain('%');
    await i18next.changeLanguage('en');
  });
});
