// Test harness only: Next.js, React and the bundlers are links into the workspace's
// node_modules, outside this app folder, so the build's root is the file system's. An app that
// installs next itself needs no configuration for the package.
export default { turbopack: { root: "/" }, outputFileTracingRoot: "/" };
