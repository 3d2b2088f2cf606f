import { posFixture } from './fixture.js';
import { describePosContract } from './posContract.js';
import { startPos } from './server.js';

describePosContract('PGlite', {
  start: () => startPos({ data: posFixture, seed: 'fixture' }),
});
