// clock moved to app/ (the wallboard shows durations with it too).
export { clock } from '../app/clock';
