/**
 * Lazy loading of optional peer dependencies (onnxruntime-node for the classifiers and the tokenizer's decoder): each
 * package's one onnxruntime module asks here, so a package that never runs it never loads it.
 */

const cache = new Map<string, Promise<unknown>>();

/**
 * The module `name`, imported once, or undefined when it cannot be loaded (not installed). `exportName` is one of its
 * named exports: when the namespace lacks it (a CommonJS module seen through `import()`), its default export is used.
 */
export function optionalImport<T>(name: string, exportName: string): Promise<T | undefined> {
  let hit = cache.get(name);
  if (hit === undefined) {
    hit = import(name).then(
      (m: Record<string, unknown>) => (m[exportName] === undefined && m.default !== undefined ? m.default : m),
      () => undefined,
    );
    cache.set(name, hit);
  }
  return hit as Promise<T | undefined>;
}
