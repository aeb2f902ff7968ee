import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cleanup, render, screen } from '@testing-library/react';
import { initI18n } from '../i18n';
import { OfferPop } from './OfferPop';
import type { Pop } from './useAgentLive';

beforeAll(() => {
  initI18n('en');
});
afterEach(cleanup);

const offer: Pop['offer'] = {
  kind: 'offer',
  agent_id: 'a1',
  call: { node: 'fs1', id: 'c1' },
  caller: '13800000001',
  access_number: '+862000001000',
  queue_id: 'q1',
  queued_at: '2026-03-01T09:00:00Z',
  at: '2026-03-01T09:00:25Z',
  data: { account: 'P-42', tier: 'gold' },
  crm_url: 'https://crm.example/c?n=13800000001',
};

describe('OfferPop', () => {
  it('shows caller, number dialled, queue name, time waited counting while it rings, IVR data and the CRM link', () => {
    const offeredAt = 1_000_000;
    render(<OfferPop pop={{ offer, phase: 'ringing', offeredAt }} now={offeredAt + 7_000} queueName={(id) => (id === 'q1' ? 'Support' : id)} />);
    expect(screen.getByTestId('pop-caller').textContent).toBe('13800000001');
    expect(screen.getByTestId('pop-dialled').textContent).toBe('+862000001000');
    expect(screen.getByTestId('pop-queue').textContent).toBe('Support');
    expect(screen.getByTestId('pop-waited').textContent).toBe('0:32'); // 25 s before the offer + 7 s ringing
    expect(screen.getByTestId('pop-data').textContent).toContain('P-42');
    const crm = screen.getByTestId('crm-link');
    expect(crm.getAttribute('href')).toBe(offer.crm_url);
    expect(crm.getAttribute('target')).toBe('_blank');
    expect(crm.getAttribute('rel')).toBe('noopener noreferrer');
  });

  it('stops counting the wait once connected, and has no CRM link without a template', () => {
    const offeredAt = 1_000_000;
    render(
      <OfferPop
        pop={{ offer: { ...offer, crm_url: undefined, data: undefined }, phase: 'connected', offeredAt, connectedAt: offeredAt + 3_000 }}
        now={offeredAt + 60_000}
        queueName={(id) => id}
      />,
    );
    expect(screen.getByTestId('pop-waited').textContent).toBe('0:28');
    expect(screen.queryByTestId('crm-link')).toBeNull();
    expect(screen.getByText('No data from the IVR')).toBeTruthy();
  });
});
