/**
 * WSO2's catalogue in docs/compatibility.md is held to the code: every entry is something moor either
 * runs or refuses by name (never "not a mediator"), every mediator moor has is in it, and what the page
 * says is what probing the code says now (the page itself: test/config/synapse-samples.test.ts).
 */
import test from 'ava';
import { catalogueStatus, MEDIATOR_CATALOGUE, mediatorsNotCatalogued, probedName } from '../../scripts/wso2-catalogue.ts';
import { MEDIATORS, UNSUPPORTED_MEDIATORS } from '../../src/mediators/registry.ts';

test('every mediator moor has has a row in the catalogue', (t) => {
  t.deepEqual(mediatorsNotCatalogued(), []);
});

test('every catalogue entry is known to the code: run (supported, partial) or refused with MOOR_ERR_UNSUPPORTED', async (t) => {
  const { mediators, artifacts, endpoints } = await catalogueStatus();
  t.is(mediators.length, MEDIATOR_CATALOGUE.length);
  for (const m of mediators) {
    const name = probedName(m.entry.probe);
    // the status the page gives agrees with the registry's own lists
    if (m.status === 'unsupported') t.true(UNSUPPORTED_MEDIATORS.includes(name) || name.includes('.'), name);
    else t.true(MEDIATORS.has(name), name);
  }
  t.true(artifacts.some((a) => a.status === 'unsupported') && endpoints.some((e) => e.status === 'supported'));
});

test('endpoint templates are run, with what differs said', async (t) => {
  const { artifacts } = await catalogueStatus();
  const row = artifacts.find((a) => a.entry.title.startsWith('Endpoint template'));
  t.is(row?.status, 'partial');
  t.regex(row!.note, /filled in when the configuration loads/);
});
