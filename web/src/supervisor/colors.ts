import type { StateName } from './board';

/** Each agent state's tag colour on the wallboard (as on the agent desktop). */
export const stateColor: Record<StateName, string> = {
  logged_out: 'default',
  not_ready: 'orange',
  ready: 'green',
  reserved: 'blue',
  busy: 'red',
  after_call_work: 'purple',
  break: 'gold',
};
