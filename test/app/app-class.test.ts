/**
 * The App class on its own: every setting provided (and awaited), the three endpoints
 * registered public and unsecured, and onSettingUpdated keeping the configuration current.
 */
import type { IAppAccessors, IConfigurationExtend, IConfigurationModify, IEnvironmentRead, IHttp } from '@rocket.chat/apps-engine/definition/accessors';
import { ApiSecurity, ApiVisibility, type IApi } from '@rocket.chat/apps-engine/definition/api';
import type { IAppInfo } from '@rocket.chat/apps-engine/definition/metadata';
import type { ISetting } from '@rocket.chat/apps-engine/definition/settings';
import IframeAuthApp from '../../app/IframeAuthApp';
import { settings, SettingId } from '../../app/settings';
import { fakeRead, MemoryLogger } from '../support/app/accessors';
import { makeKeys, verificationSettings } from './fixtures';

const manifest = require('../../app.json') as IAppInfo;

function newApp(): IframeAuthApp {
  return new IframeAuthApp(manifest, new MemoryLogger().asLogger(), {} as IAppAccessors);
}

test('settings are provided one after another, each awaited, and the endpoints are public', async () => {
  const provided: string[] = [];
  let pending = 0;
  const apis: IApi[] = [];
  const configuration = {
    settings: {
      provideSetting: async (setting: ISetting) => {
        expect(pending).toBe(0); // the previous one was awaited
        pending += 1;
        await new Promise((resolve) => setTimeout(resolve, 1));
        provided.push(setting.id);
        pending -= 1;
      },
    },
    api: { provideApi: async (api: IApi) => void apis.push(api) },
  } as unknown as IConfigurationExtend;
  await newApp().initialize(configuration, {} as IEnvironmentRead);
  expect(provided).toEqual(settings.map((s) => s.id));
  expect(apis).toHaveLength(1);
  expect(apis[0]).toMatchObject({ visibility: ApiVisibility.PUBLIC, security: ApiSecurity.UNSECURE });
  expect(apis[0]!.endpoints.map((e) => e.path)).toEqual(['login', 'logout', 'status']);
});

test('configuration is read once, then kept current by onSettingUpdated', async () => {
  const keys = await makeKeys();
  const values: Record<string, unknown> = { ...verificationSettings(keys), [SettingId.RcAdminUserId]: 'admin-id', [SettingId.RcAdminToken]: 'pat' };
  const read = fakeRead({ settings: values });
  const app = newApp();
  await app.onEnable(read.getEnvironmentReader());
  expect((await app.configuration(read)).missing).toEqual([]);

  values[SettingId.AssertionIssuer] = ''; // the store changes, but only the event tells the App
  await app.onSettingUpdated({ id: SettingId.AssertionIssuer, value: '' } as ISetting, {} as IConfigurationModify, read, {} as IHttp);
  expect((await app.configuration(read)).missing).toEqual(['assertion_issuer']);

  await app.onSettingUpdated({ id: SettingId.AssertionIssuer, value: 'https://site.example' } as ISetting, {} as IConfigurationModify, read, {} as IHttp);
  expect((await app.configuration(read)).config.verification.issuer).toBe('https://site.example');
});

test('without onEnable (e.g. a restarted runtime), the first request loads the settings', async () => {
  const read = fakeRead({ settings: { [SettingId.AssertionIssuer]: 'x' } });
  const loaded = await newApp().configuration(read);
  expect(loaded.config.verification.issuer).toBe('x');
  expect(loaded.missing).toContain('rc_admin_token');
});
