// The protobufjs browser build (loaded by page.html) as the ES module the package imports.
export default globalThis.protobuf;
