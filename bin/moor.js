#!/usr/bin/env node
// The compiled command (npm run build; `prepare` builds it on npm install from a git checkout). No
// TypeScript loader: the tests and `npm run moor` run src/cli/bin.ts under tsx instead.
import '../dist/cli/bin.js';
