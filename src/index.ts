export { startPinbox, type Pinbox, type PinboxOptions } from './server.js';
export { Clock } from './kernel/clock.js';
export { ALL_SCOPES, type Scope } from './kernel/scopes.js';
