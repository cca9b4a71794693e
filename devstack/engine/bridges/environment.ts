/**
 * Environment variables as Rocket.Chat exposes them to Apps: only NODE_ENV, ROOT_URL,
 * INSTANCE_IP and the App's own RC_APPS_<APP_ID>_* names, read from the host's options
 * (never from the test process's real environment).
 */
import type { EnvironmentalVariableBridge } from '@rocket.chat/apps-engine/server/bridges/EnvironmentalVariableBridge';

const ALLOWED = ['NODE_ENV', 'ROOT_URL', 'INSTANCE_IP'];

export function createEnvironmentBridge(Base: typeof EnvironmentalVariableBridge, env: Readonly<Record<string, string>>): EnvironmentalVariableBridge {
  class MemoryEnvironment extends Base {
    protected async getValueByName(name: string, appId: string): Promise<string | undefined> {
      if (!(await this.isReadable(name, appId))) throw new Error(`The environmental variable "${name}" is not readable.`);
      return env[name];
    }

    protected async isReadable(name: string, appId: string): Promise<boolean> {
      const upper = name.toUpperCase();
      return ALLOWED.includes(upper) || upper.startsWith(`RC_APPS_${appId.toUpperCase().replace(/-/g, '_')}`);
    }

    protected async isSet(name: string, appId: string): Promise<boolean> {
      if (!(await this.isReadable(name, appId))) throw new Error(`The environmental variable "${name}" is not readable.`);
      return env[name] !== undefined;
    }
  }
  return new MemoryEnvironment();
}
