/**
 * undici, loaded when first used: a process that never makes a dumb pull or a push (a smart pull,
 * which speaks node:http, see pull/smart-http.ts) never pays its memory. The CLI's bundle turns
 * this import of a CommonJS package into a chunk whose default export is module.exports, where
 * plain node also offers the named exports; `default` first serves both.
 */
export async function loadUndici(): Promise<typeof import('undici')> {
  const mod = (await import('undici')) as typeof import('undici') & { default?: typeof import('undici') };
  return mod.default ?? mod;
}
