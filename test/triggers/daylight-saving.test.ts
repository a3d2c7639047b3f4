// Daylight-saving warnings of the schedule preview, computed from the zone's offsets (pure).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type CronFields, parseCron } from '../../src/core/spec/cron.js';
import { clockChanges, daylightSavingWarnings, zoneOffsetMs } from '../../src/services/triggers/daylight-saving.js';

const cron = (text: string) => parseCron(text) as CronFields;
const YEAR_2027 = [new Date('2027-01-01T00:00:00Z'), new Date('2027-12-31T00:00:00Z')] as const;

describe('daylight-saving warnings of a schedule preview', () => {
  it('warns that 02:30 on the last Sunday of March does not exist in Europe/Paris, and happens twice in October', () => {
    const warnings = daylightSavingWarnings(cron('30 2 * * 0'), 'Europe/Paris', ...YEAR_2027);
    assert.deepEqual(
      warnings.map((w) => [w.kind, w.local, w.at]),
      [
        ['skipped', '2027-03-28 02:30', '2027-03-28T01:00:00.000Z'],
        ['repeated', '2027-10-31 02:30', '2027-10-31T01:00:00.000Z'],
      ],
    );
    assert.match(warnings[0]?.message ?? '', /2027-03-28 02:30 does not exist in Europe\/Paris \(clocks jump from 02:00 to 03:00\)/);
    assert.match(warnings[1]?.message ?? '', /happens twice in Europe\/Paris/);
  });

  it('says nothing for times outside the changed hour, or in a zone without clock changes', () => {
    assert.deepEqual(daylightSavingWarnings(cron('0 6 * * 1-5'), 'Europe/Paris', ...YEAR_2027), []);
    assert.deepEqual(daylightSavingWarnings(cron('30 2 * * *'), 'UTC', ...YEAR_2027), []);
    assert.deepEqual(daylightSavingWarnings(cron('30 2 * * *'), 'Asia/Tokyo', ...YEAR_2027), []);
  });

  it('finds the changes of America/New_York to the minute, and an hourly cron meets both', () => {
    assert.deepEqual(
      clockChanges('America/New_York', ...(YEAR_2027.map((d) => d.getTime()) as [number, number])).map((c) => [
        new Date(c.at).toISOString(),
        c.before / 3_600_000,
        c.after / 3_600_000,
      ]),
      [
        ['2027-03-14T07:00:00.000Z', -5, -4],
        ['2027-11-07T06:00:00.000Z', -4, -5],
      ],
    );
    const hourly = daylightSavingWarnings(cron('@hourly'), 'America/New_York', ...YEAR_2027);
    assert.deepEqual(
      hourly.map((w) => [w.kind, w.local]),
      [
        ['skipped', '2027-03-14 02:00'],
        ['repeated', '2027-11-07 01:00'],
      ],
    );
    assert.equal(zoneOffsetMs('Europe/Paris', Date.parse('2027-07-01T12:00:00Z')), 2 * 3_600_000);
  });
});
