// Imported first by every test file: builds js/dist/ when it is missing
// (a fresh clone), so `npm run test:js` works without `npm run build`.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

execFileSync(process.execPath, [fileURLToPath(new URL('../tools/build.mjs', import.meta.url)), '--if-missing'],
  { stdio: ['ignore', 'ignore', 'inherit'] });
