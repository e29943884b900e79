#!/usr/bin/env node
// The `parley` command: runs the compiled CLI (built by `npm install` through the prepare script).
import { existsSync } from 'node:fs';

const entry = new URL('../dist/cli/index.js', import.meta.url);
if (!existsSync(entry)) {
  console.error(
    'parley: the build is missing (dist/). Run `npm install` or `npm run build` in the Parley folder.',
  );
  process.exit(1);
}
await import(entry.href);
