// `npm run test:all`: every suite, the slow ones too (see SLOW_SUITES in vitest.config.ts).
import { config } from './vitest.config.js';

export default config(true);
