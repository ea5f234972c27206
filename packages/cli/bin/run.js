#!/usr/bin/env node
// Commit and checkout keep both cores busy through libuv's thread pool (zlib, file I/O); give it
// room before anything starts it. A value the user set wins.
process.env.UV_THREADPOOL_SIZE ??= '6';
const { execute } = await import('@oclif/core');

await execute({ dir: import.meta.url });
