// Writes docs/analysis-messages.md from the compiled message table (run `npm run build` first).
import { writeFileSync } from 'node:fs';
import { renderMessagesDoc } from '../dist/src/analyze/docs.js';

writeFileSync(new URL('../docs/analysis-messages.md', import.meta.url), renderMessagesDoc());
console.log('wrote docs/analysis-messages.md');
