/**
 * Bridges our Apps never use (messages, rooms, livechat, ...). Calling one fails loudly
 * with the bridge and method named, instead of hanging or answering something made up.
 */
type AbstractBridgeClass<T> = abstract new () => T;

export function createUnsupportedBridge<T extends object>(Base: AbstractBridgeClass<T>, name: string): T {
  // Abstract only for TypeScript: the engine's JavaScript classes construct fine.
  const instance = new (Base as unknown as new () => T)();
  return new Proxy(instance, {
    get(target, property, receiver) {
      if (typeof property !== 'string' || property in target || property === 'then' || property === 'toJSON') {
        return Reflect.get(target, property, receiver);
      }
      return () => {
        throw new Error(`${name}.${property}() is not supported by the engine host (devstack/engine).`);
      };
    },
  });
}
