import { IAppAccessors, IConfigurationExtend, IEnvironmentRead, IConfigurationModify, IHttp, ILogger, IRead } from '@rocket.chat/apps-engine/definition/accessors';
import { ApiSecurity, ApiVisibility } from '@rocket.chat/apps-engine/definition/api';
import { App } from '@rocket.chat/apps-engine/definition/App';
import { IAppInfo } from '@rocket.chat/apps-engine/definition/metadata';
import { ISetting, SettingType } from '@rocket.chat/apps-engine/definition/settings';
import { EmptyEndpoint } from './endpoints/EmptyEndpoint';
import { ProbeEndpoint } from './endpoints/ProbeEndpoint';

// The Deno runtime instantiates the first export of this file: export nothing else here.
export class TestApp extends App {
    /** What onSettingUpdated last saw, so a test can tell the engine delivered it. */
    public lastSettingUpdate: { id: string; value: unknown } | undefined;

    constructor(info: IAppInfo, logger: ILogger, accessors: IAppAccessors) {
        super(info, logger, accessors);
    }

    public override async onSettingUpdated(setting: ISetting, _configurationModify: IConfigurationModify, _read: IRead, _http: IHttp): Promise<void> {
        this.lastSettingUpdate = { id: setting.id, value: setting.value };
    }

    protected override async extendConfiguration(configuration: IConfigurationExtend, _environmentRead: IEnvironmentRead): Promise<void> {
        await configuration.settings.provideSetting({
            id: 'greeting',
            type: SettingType.STRING,
            packageValue: 'hello',
            required: false,
            public: false,
            i18nLabel: 'Greeting',
        });
        await configuration.api.provideApi({
            visibility: ApiVisibility.PUBLIC,
            security: ApiSecurity.UNSECURE,
            endpoints: [new EmptyEndpoint(this), new ProbeEndpoint(this)],
        });
    }
}
