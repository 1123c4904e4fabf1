// Container images: references, the tar reader, layer trees with OCI whiteouts, the
// content-addressed store, OCI layout / docker save loading, registry pulls, and tar export.
export * from "./host.js";
export * from "./tar.js";
export * from "./layer.js";
export * from "./manifest.js";
export * from "./reference.js";
export * from "./store.js";
export * from "./oci.js";
export * from "./export.js";
export * from "./overlay.js";
export * from "./container.js";
export * from "./registry.js";
export * from "./progress.js";
