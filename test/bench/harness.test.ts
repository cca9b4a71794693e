/**
 * The bench harness end to end in its smallest form: structure only, never timings (a
 * benchmark is a script, not a timed test). Needs the packaged App in dist/,
 * which `npm test` builds first.
 */
import { runBench } from '../../bench/harness';
import { ROWS } from '../../bench/rows';
import { formatTable, verdicts } from '../../bench/report';

describe('bench harness, quickest mode', () => {
  it('measures every row in each pass with no non-2xx answer, and reports them', async () => {
    // Any non-2xx (a 429 from the rate limits, a 401 from a lost session) makes runBench throw.
    const result = await runBench({ seconds: 1, connections: 4, passes: 2, loopConcurrency: 2, maxLoopRequests: 20 });

    expect(result.rows.map((row) => row.id)).toEqual(ROWS.map((row) => row.id));
    for (const row of result.rows) {
      expect(row.passes).toHaveLength(2);
      expect(row.memory).toHaveLength(2);
      for (const pass of row.passes) expect(pass.requests).toBeGreaterThan(0);
    }
    expect(result.rows.filter((row) => row.baseline).every((row) => typeof row.ratio === 'number')).toBe(true);
    expect(result.raisedLimits).toHaveProperty('API_RATE_LIMIT_PER_MINUTE');
    // Row 4 mints one token per login. Rows 4es, 4s, 4ms and 4rs are taken in turn, so their
    // calls are counted together: of the four, the login and its floor (4ms) mint one each.
    expect(result.rows.find((row) => row.id === '4')?.rocketChatCallsPerRequest['POST /api/v1/users.createToken']).toBe(1);
    expect(result.rows.find((row) => row.id === '4ms')?.rocketChatCallsPerRequest['POST /api/v1/users.createToken']).toBe(0.5);
    // Row 2m (MONGODB_URL) counts what the MongoDB stand-in received: the revocation mirror's polls.
    expect(result.rows.find((row) => row.id === '2m')?.mongoCommands?.['find iframe_bridge_revoked (mirror poll)']).toBeGreaterThan(0);
    // Rows 2 and 2m keep each slice's req/s, so their ratio pairs them with row 1's slices.
    for (const id of ['2', '2m']) expect(result.rows.find((row) => row.id === id)?.passes.every((pass) => (pass.slices?.length ?? 0) > 0)).toBe(true);
    expect(verdicts(result).map((v) => v.target)).toHaveLength(14);
    expect(formatTable(result)).toContain('POST /api/session, token held');
  }, 120_000);
});
