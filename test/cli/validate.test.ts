/**
 * `moor validate` and `moor start` as a user runs them: the real bin/moor.js in a child process, its
 * output line by line, its exit code.
 */
import test from 'ava';
import { configTree, lines, runMoor } from './run-moor.ts';

const SYN = 'xmlns="http://ws.apache.org/ns/synapse"';

/** A configuration with one of every problem `moor validate` must find, each at a known line:col. */
const BROKEN: Record<string, string> = {
  // line 3 closes <sequence> while <log> is still open
  'malformed.xml': [`<sequence ${SYN} name="m">`, '  <log>', '</sequence>', ''].join('\n'),
  'names.xml': [
    `<definitions ${SYN}>`,
    '  <sequence name="main">',
    '    <sendd/>',
    '    <log levle="full"/>',
    '    <sequence key="shard"/>',
    '    <property name="a" expression="count(("/>',
    '    <property name="b" expression="//p:order/p:id"/>',
    '  </sequence>',
    '  <sequence name="shared"><drop/></sequence>',
    '  <sequence name="ping"><sequence key="pong"/></sequence>',
    '  <sequence name="pong"><sequence key="ping"/></sequence>',
    '  <proxy name="P">',
    '    <targett/>',
    '  </proxy>',
    '</definitions>',
    '',
  ].join('\n'),
  'endpoints.xml': [
    `<definitions ${SYN}>`,
    '  <endpoint name="lb">',
    '    <session type="simpleClientSesion"/>',
    '    <loadbalance>',
    '      <endpoint key="nowhere"/>',
    '      <endpoint><address/></endpoint>',
    '    </loadbalance>',
    '  </endpoint>',
    '  <endpoint name="byXPath">',
    '    <session type="xpath" expression="$header/acme:Ctx/acme:Sid"/>',
    '    <loadbalance><endpoint><address uri="http://127.0.0.1:1/a"/></endpoint></loadbalance>',
    '  </endpoint>',
    '</definitions>',
    '',
  ].join('\n'),
  // well-formed XML has one root: the second sequence would otherwise be lost without a word
  'tworoots.xml': `<sequence ${SYN} name="t1"/>\n<sequence ${SYN} name="t2"/>\n`,
  // a second sequence named "shared", in another file
  'more/shared.xml': `<sequence ${SYN} name="shared">\n  <drop/>\n</sequence>\n`,
};

/** What `moor validate --config conf` must print for BROKEN (each a line's start), in file, line, column order. */
const EXPECTED = [
  'conf/endpoints.xml:3:5 MOOR_ERR_UNKNOWN_SESSION_TYPE session type "simpleClientSesion" does not exist; use one of http, soap, simpleClientSession, header, xpath, class (did you mean "simpleClientSession"?)',
  'conf/endpoints.xml:5:7 MOOR_ERR_UNRESOLVED_KEY no endpoint named "nowhere"',
  'conf/endpoints.xml:6:17 MOOR_ERR_MISSING_ATTRIBUTE <address> needs the attribute uri',
  'conf/endpoints.xml:10:5 MOOR_ERR_BAD_XPATH prefix "acme" in "$header/acme:Ctx/acme:Sid" is not declared',
  "conf/malformed.xml:3:1 MOOR_ERR_CONFIG_XML Expected closing tag 'log' (opened in line 2, col 3)",
  'conf/names.xml:3:5 MOOR_ERR_UNKNOWN_MEDIATOR <sendd> is not a mediator (did you mean "send"?)',
  'conf/names.xml:4:5 MOOR_ERR_UNKNOWN_ATTRIBUTE <log> has no attribute levle (did you mean "level"?)',
  'conf/names.xml:5:5 MOOR_ERR_UNRESOLVED_KEY no sequence named "shard" (did you mean "shared"?)',
  'conf/names.xml:6:5 MOOR_ERR_BAD_XPATH "count((" is not a valid XPath expression',
  'conf/names.xml:7:5 MOOR_ERR_BAD_XPATH prefix "p" in "//p:order/p:id" is not declared',
  // files are read in path order, so the one under more/ is the first definition
  'conf/names.xml:9:3 MOOR_ERR_DUPLICATE_NAME sequence "shared" is already defined at conf/more/shared.xml:1:1',
  // where the reference that closes the cycle stands: <sequence key="ping"/> inside "pong"
  'conf/names.xml:11:25 MOOR_ERR_SEQUENCE_CYCLE sequences call each other in a cycle: ping → pong → ping',
  'conf/names.xml:12:3 MOOR_ERR_MISSING_ATTRIBUTE <proxy name="P"> needs a <target>',
  'conf/names.xml:13:5 MOOR_ERR_UNKNOWN_ELEMENT <targett> is not allowed in <proxy> (did you mean "target"?)',
  'conf/tworoots.xml:2:1 MOOR_ERR_CONFIG_XML a document has one root element; <sequence> is a second one',
];

test('validate: a valid configuration exits 0 with a one-line summary', async (t) => {
  const { root } = await configTree({
    'main.xml': `<definitions ${SYN}><proxy name="P"><target><inSequence><log/><send><endpoint><address uri="http://127.0.0.1:1/x"/></endpoint></send></inSequence></target></proxy></definitions>`,
  });
  const r = await runMoor(['validate', '--config', 'conf'], root);
  t.is(r.code, 0, r.stderr);
  t.deepEqual(lines(r.stdout), ['conf: valid (1 proxy, 0 sequences, 0 endpoints in 1 file)']);
  t.is(r.stderr, '');
});

test('validate: the summary counts the files read as configuration, not the suites, mocks and envelopes beside them', async (t) => {
  // (the shipped mediators/ said "in 7 files": cart.xml, and six files of its tests/ that were skipped)
  const { root } = await configTree({
    'main.xml': `<definitions ${SYN}><proxy name="P"><target><inSequence><respond/></inSequence></target></proxy></definitions>`,
    'tests/p-test.xml': '<unit-test><artifacts/><test-cases/></unit-test>',
    'tests/mock.xml': '<mock-service><service-name>x</service-name></mock-service>',
    'tests/envelope.xml': '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body/></soapenv:Envelope>',
  });
  const r = await runMoor(['validate', '--config', 'conf'], root);
  t.is(r.code, 0, r.stderr);
  t.deepEqual(lines(r.stdout), ['conf: valid (1 proxy, 0 sequences, 0 endpoints in 1 file)']);
  const shipped = await runMoor(['validate', '--config', 'mediators'], process.cwd());
  t.deepEqual(lines(shipped.stdout), ['mediators: valid (3 proxies, 0 sequences, 3 endpoints in 1 file)']);
});

test('validate: what loads but differs from Synapse is a warning at its file:line:col, and the exit is still 0', async (t) => {
  const { root } = await configTree({
    'ep.xml': [
      `<endpoint ${SYN} name="Slow">`,
      '  <address uri="http://127.0.0.1:1/x">',
      '    <timeout>',
      '      <duration>5000</duration>',
      '      <responseAction>never</responseAction>',
      '    </timeout>',
      '    <suspendOnFailure><initialDuration>-1</initialDuration><progressionFactor>1.0</progressionFactor></suspendOnFailure>',
      '    <markForSuspension><retriesBeforeSuspension>0</retriesBeforeSuspension></markForSuspension>',
      '  </address>',
      '</endpoint>',
      '',
    ].join('\n'),
  });
  const r = await runMoor(['validate', '--config', 'conf'], root);
  t.is(r.code, 0, r.stderr);
  const out = lines(r.stdout);
  t.regex(out[0] ?? '', /^conf\/ep\.xml:4:7 MOOR_WARN_NO_EFFECT <duration> has no effect with <responseAction>never/);
  t.is(out[1], 'conf: valid (0 proxies, 0 sequences, 1 endpoint in 1 file)');
  t.is(out.length, 2, 'Integration Studio\'s -1 and 1.0 are read without a word: they work as in Synapse');
});

test('validate: every problem on its own line as file:line:col CODE message, exit 1', async (t) => {
  const { root } = await configTree(BROKEN);
  const r = await runMoor(['validate', '--config', 'conf'], root);
  t.is(r.code, 1, r.stderr);
  const out = lines(r.stdout);
  for (const l of out) t.regex(l, /^conf\/[\w/]+\.xml:\d+:\d+ MOOR_ERR_[A-Z_]+ \S/, 'every line has the form file:line:col CODE message');
  for (const e of EXPECTED) t.true(out.some((l) => l.startsWith(e)), `missing: ${e}\n--- got:\n${out.join('\n')}`);
  t.is(out.length, EXPECTED.length, `one line per problem, each problem once:\n${out.join('\n')}`);
  t.is(out.filter((l) => l.includes('MOOR_ERR_SEQUENCE_CYCLE')).length, 1, 'a cycle is reported once, not once per member');
  t.deepEqual(lines(r.stderr), [`moor: conf: ${EXPECTED.length} problems`]);
});

test('validate: problems are reported in file, line, column order', async (t) => {
  const { root } = await configTree(BROKEN);
  const out = lines((await runMoor(['validate', '--config', 'conf'], root)).stdout);
  const keys = out.map((l) => {
    const [file, line, col] = l.split(' ')[0]!.split(':');
    return { file: file!, line: Number(line), col: Number(col) };
  });
  const sorted = [...keys].sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.col - b.col);
  t.deepEqual(keys, sorted);
});

test('validate: a missing folder and an empty folder are problems too', async (t) => {
  const { root } = await configTree({});
  const missing = await runMoor(['validate', '--config', 'nope'], root);
  t.is(missing.code, 1);
  t.regex(lines(missing.stdout)[0] ?? '', /^nope:1:1 MOOR_ERR_CONFIG_DIR cannot read the configuration/);
  const empty = await runMoor(['validate', '--config', 'conf'], root);
  t.is(empty.code, 1);
  t.deepEqual(lines(empty.stdout), ['conf:1:1 MOOR_ERR_CONFIG_DIR the configuration folder holds no *.xml file']);
});

test('start refuses an invalid configuration with the same lines, and a non-zero exit', async (t) => {
  const { root } = await configTree(BROKEN);
  const validate = await runMoor(['validate', '--config', 'conf'], root);
  const start = await runMoor(['start', '--config', 'conf', '--port', '0'], root);
  t.is(start.code, 1);
  t.false(start.stdout.includes('moor listening on'), 'it never listened');
  t.deepEqual(lines(start.stderr), lines(validate.stdout));
});

test('bad flags and commands are usage errors: a message, the usage, exit 2', async (t) => {
  const { root } = await configTree({});
  for (const [args, message] of [
    [['validate', '--conf', 'conf'], /Unknown option '--conf'/],
    [['validate'], /validate needs --config <dir>/],
    [['start'], /start needs --config <dir>/],
    [['start', '--config', 'conf', '--port', 'eighty'], /--port takes a whole number, not "eighty"/],
    [['frobnicate'], /unknown command "frobnicate"/],
    [[], /no command given/],
  ] as const) {
    const r = await runMoor(args, root);
    t.is(r.code, 2, `moor ${args.join(' ')}: ${r.stderr}`);
    t.regex(r.stderr, message);
    t.regex(r.stderr, /usage:\n\s+moor start/);
    t.is(r.stdout, '');
  }
});
