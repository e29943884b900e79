#!/usr/bin/env -S node --max-semi-space-size=64
// The `parley` command: runs the compiled CLI (built by `npm install` through the prepare script).
// V8's young generation at 64 MiB a semi-space (Node's default: 16) as `npm start` and the image
// run it: a turn's objects live about a second, and with the default they outlive two scavenges
// and are promoted, so at 500 streams 9 % more CPU went to collecting them (docs/deployment.md).
import { existsSync } from 'node:fs';

const entry = new URL('../dist/cli/index.js', import.meta.url);
if (!existsSync(entry)) {
  console.error(
    'parley: the build is missing (dist/). Run `npm install` or `npm run build` in the Parley folder.',
  );
  process.exit(1);
}
await import(entry.href);
