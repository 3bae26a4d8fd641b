/**
 * moor/testing: run sequences and proxies in-process on sample envelopes, with mocked endpoints and a
 * virtual clock, and assert on what happened. See docs/testing.md.
 */
export { createHarness, Harness, type HarnessOptions, type RunInput, type RunResult, type ClientResponse, runProxy, runSequence } from './harness.ts';
export { type EndpointCall, type Headers, type Mock, type MockFunction, type MockReply, type Mocks } from './mocks.ts';
export { type LogLine } from './log-capture.ts';
export { canonicalXml, type Namespaces, xmlDifference, xmlEqual, xpathExists, xpathSelect, xpathValue } from './xml-assert.ts';
export { ManualClock } from '../session/clock.ts';
export { type SessionNote } from '../message/context.ts';
