/**
 * `<with-param value="{{expr}}">`: the expression itself handed to a sequence template, which
 * evaluates it where it reads `$func:p` — against the message as it is then — as Synapse does; beside
 * `{expr}` (evaluated once, at the call) and a literal. Run in-process by moor/testing's harness.
 */
import test from 'ava';
import { MoorError } from '../../src/errors.ts';
import { runSequence } from '../../src/testing/index.ts';
import { configDir, definitions } from '../helpers/gateway.ts';

const Q = 'xmlns:q="urn:q"';
const quote = (symbol: string): string => `<q:getQuote ${Q}><q:symbol>${symbol}</q:symbol></q:getQuote>`;

/** Runs sequence S of `config` on a quote request; the properties it set. */
async function properties(config: string, envelope = quote('IBM')): Promise<Record<string, unknown>> {
  const r = await runSequence(await configDir({ 'c.xml': definitions(config) }), 'S', { envelope });
  if (r.error) throw r.error;
  return r.properties.default;
}

/** A template that reads its parameter p, rewrites the symbol to MSFT, and reads p again. */
const READ_CHANGE_READ = `
  <template name="T"><parameter name="p"/><sequence>
    <property name="before" expression="$func:p"/>
    <enrich><source type="inline"><q:symbol ${Q}>MSFT</q:symbol></source><target ${Q} xpath="//q:symbol"/></enrich>
    <property name="after" expression="$func:p"/>
  </sequence></template>`;

test('a {{…}} value is evaluated where the template reads it: a change the template made before is seen', async (t) => {
  const got = await properties(`${READ_CHANGE_READ}
    <sequence name="S"><call-template target="T"><with-param ${Q} name="p" value="{{//q:symbol}}"/></call-template></sequence>`);
  t.is(got.before, 'IBM');
  t.is(got.after, 'MSFT');
});

test('a {…} value is evaluated once, at the call; a literal is its text', async (t) => {
  const once = await properties(`${READ_CHANGE_READ}
    <sequence name="S"><call-template target="T"><with-param ${Q} name="p" value="{//q:symbol}"/></call-template></sequence>`);
  t.deepEqual([once.before, once.after], ['IBM', 'IBM']);
  const literal = await properties(`${READ_CHANGE_READ}
    <sequence name="S"><call-template target="T"><with-param name="p" value="//q:symbol"/></call-template></sequence>`);
  t.deepEqual([literal.before, literal.after], ['//q:symbol', '//q:symbol']);
});

test('$func:p of a passed expression is its XPath value: nodes to step into and count, as in Synapse', async (t) => {
  const got = await properties(
    `<template name="T"><parameter name="quotes"/><sequence>
       <property name="n" expression="count($func:quotes)"/>
       <property name="second" ${Q} expression="$func:quotes[2]/q:symbol"/>
     </sequence></template>
     <sequence name="S"><call-template target="T"><with-param ${Q} name="quotes" value="{{//q:getQuote}}"/></call-template></sequence>`,
    `<q:batch ${Q}>${quote('IBM')}${quote('SUN')}${quote('MSFT')}</q:batch>`,
  );
  t.is(got.n, '3.0', 'count() is a number, which a property holds as Java writes a Double');
  t.is(got.second, 'SUN');
});

test("the expression's prefixes are the with-param's own, not the template's", async (t) => {
  // the template binds q to another namespace: //q:symbol there would select nothing
  const got = await properties(`
    <template name="T" xmlns:q="urn:other"><parameter name="p"/><sequence>
      <property name="mine" expression="concat('[', //q:symbol, ']')"/>
      <property name="passed" expression="$func:p"/>
    </sequence></template>
    <sequence name="S"><call-template target="T"><with-param ${Q} name="p" value="{{//q:symbol}}"/></call-template></sequence>`);
  t.is(got.mine, '[]');
  t.is(got.passed, 'IBM');
});

test("get-property('func', p) of a passed expression is its text, as Synapse's string of the expression object; inside a larger expression it is empty, as in Jaxen", async (t) => {
  const got = await properties(`
    <template name="T"><parameter name="p"/><sequence>
      <property name="whole" expression="get-property('func', 'p')"/>
      <property name="inside" expression="concat('[', get-property('func', 'p'), ']')"/>
    </sequence></template>
    <sequence name="S"><call-template target="T"><with-param ${Q} name="p" value="{{//q:symbol}}"/></call-template></sequence>`);
  t.is(got.whole, '//q:symbol');
  t.is(got.inside, '[]');
});

/** Outer passes its own parameter p on to Inner's q, in the way named by `value`; Inner changes the symbol between two reads. */
const nested = (value: string): string => `
  <template name="Inner"><parameter name="q"/><sequence>
    <property name="before" expression="$func:q"/>
    <enrich><source type="inline"><q:symbol ${Q}>MSFT</q:symbol></source><target ${Q} xpath="//q:symbol"/></enrich>
    <property name="after" expression="$func:q"/>
  </sequence></template>
  <template name="Outer"><parameter name="p"/><sequence>
    <call-template target="Inner"><with-param ${Q} name="q" value="${value}"/></call-template>
    <property name="outer" expression="$func:p"/>
  </sequence></template>
  <sequence name="S"><call-template target="Outer"><with-param ${Q} name="p" value="{{//q:symbol}}"/></call-template></sequence>`;

test("a template hands its passed expression on with {{get-property('func', 'p')}}, as Synapse's EIP templates do: still evaluated at each use", async (t) => {
  const got = await properties(nested(`{{get-property('func', 'p')}}`));
  t.deepEqual([got.before, got.after], ['IBM', 'MSFT']);
  // back in Outer, its own p reads the message as Inner left it
  t.is(got.outer, 'MSFT');
});

test('a template hands it on as {{$func:p}} too (the caller’s p, evaluated at each use); {$func:p} hands on its value at the call', async (t) => {
  const passed = await properties(nested('{{$func:p}}'));
  t.deepEqual([passed.before, passed.after], ['IBM', 'MSFT']);
  const value = await properties(nested('{$func:p}'));
  t.deepEqual([value.before, value.after], ['IBM', 'IBM']);
});

test("a template's own parameter of the same name does not capture a passed $func:", async (t) => {
  // Inner declares p as well: the passed {{$func:p}} still means Outer's p, where it was written
  const got = await properties(`
    <template name="Inner"><parameter name="p"/><parameter name="q"/><sequence>
      <property name="q" expression="$func:q"/>
      <property name="p" expression="$func:p"/>
    </sequence></template>
    <template name="Outer"><parameter name="p"/><sequence>
      <call-template target="Inner"><with-param name="p" value="inner's own"/><with-param name="q" value="{{$func:p}}"/></call-template>
    </sequence></template>
    <sequence name="S"><call-template target="Outer"><with-param ${Q} name="p" value="{{//q:symbol}}"/></call-template></sequence>`);
  t.deepEqual([got.q, got.p], ['IBM', "inner's own"]);
});

test('a passed expression that reaches the body is read in a template whose own expressions read only properties', async (t) => {
  // $func:p alone looks like a property read; the body it reaches must still be parsed for it
  const got = await properties(`
    <template name="T"><parameter name="p"/><sequence><property name="got" expression="$func:p"/></sequence></template>
    <sequence name="S"><call-template target="T"><with-param ${Q} name="p" value="{{$body/q:getQuote/q:symbol}}"/></call-template></sequence>`);
  t.is(got.got, 'IBM');
});

test("{{…get-property…}} is evaluated at the call and its string is the expression passed (Synapse's form for an expression kept in a property); one that is no expression fails the message", async (t) => {
  const config = (path: string): string => `${READ_CHANGE_READ}
    <sequence name="S">
      <property name="path" value="${path}"/>
      <call-template target="T"><with-param ${Q} name="p" value="{{get-property('path')}}"/></call-template>
    </sequence>`;
  const got = await properties(config('//q:symbol'));
  t.deepEqual([got.before, got.after], ['IBM', 'MSFT'], 'the string compiled with the with-param prefixes, then evaluated at each use');
  const r = await runSequence(await configDir({ 'c.xml': definitions(config('//[')) }), 'S', { envelope: quote('IBM') });
  t.true(r.error instanceof MoorError, String(r.error));
  t.is((r.error as MoorError).code, 'MOOR_ERR_MEDIATION');
  t.regex(r.error?.message ?? '', /<with-param name="p">: "get-property\('path'\)" gave "\/\/\[", which is not an expression to pass on/);
});
