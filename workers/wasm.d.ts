// wrangler bundles `*.wasm` imports as compiled modules (CompiledWasm rule, on by default), and
// @cloudflare/vitest-pool-workers does the same, so the default export is a WebAssembly.Module.
declare module "*.wasm" {
  const module: WebAssembly.Module;
  export default module;
}
