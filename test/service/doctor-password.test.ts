/** npm run doctor in password mode: Rocket.Chat's budget against the users expected to sign in. */
import { loadConfig } from '../../service/config';
import { passwordBudgetCheck } from '../../service/doctor/password-checks';
import { createContext } from '../../service/doctor/run';
import { baseEnv } from './support/harness';

const check = (env: Record<string, string>) => passwordBudgetCheck(createContext(loadConfig(baseEnv({ TOKEN_MODE: 'password', ...env }) as NodeJS.ProcessEnv)));

test('warns when the configured budget is below what the expected users need, with the settings to raise', async () => {
  const result = await check({ PASSWORD_MODE_EXPECTED_USERS: '40' });
  expect(result).toMatchObject({ outcome: 'WARN', detail: expect.stringContaining('allows this service 10 a minute') });
  expect(result.fix).toContain('API_Enable_Rate_Limiter_Limit_Calls_Default');
  expect(result.fix).toContain('Block_Multiple_Failed_Logins_Ip_Whitelist');
});

test('passes when the budget covers them, and is skipped without an expected count', async () => {
  expect((await check({ PASSWORD_MODE_EXPECTED_USERS: '40', PASSWORD_MODE_RC_CALLS: '200' })).outcome).toBe('PASS');
  expect((await check({})).outcome).toBe('SKIP');
});
