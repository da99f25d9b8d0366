#!/usr/bin/env node
// SPDX-License-Identifier: GPL-2.0-only
// Decode a gzipped pprof profile with the independent `pprof-format` package, check
// that every reference resolves, and print a JSON summary (one key a line) for the
// tests to compare: value types, totals, samples as "leaf;...;root" function names
// with their values and labels, mappings, locations with their lines, functions.
// Exit 1 with the problems on stderr if the profile is inconsistent.
'use strict';
const fs = require('fs');
const zlib = require('zlib');
const { Profile } = require('pprof-format');

const file = process.argv[2];
if (!file) {
	console.error('usage: check-pprof.js PROFILE.pb.gz');
	process.exit(2);
}
const raw = fs.readFileSync(file);
if (raw[0] !== 0x1f || raw[1] !== 0x8b) {
	console.error(file + ': not gzip');
	process.exit(1);
}
let p;
try {
	p = Profile.decode(zlib.gunzipSync(raw));
} catch (e) {
	console.error(file + ': cannot decode: ' + e.message);
	process.exit(1);
}
const strs = p.stringTable.strings;
const problems = [];
const big = (v) => BigInt(v);
const str = (i) => {
	if (big(i) < 0n || big(i) >= BigInt(strs.length))
		problems.push('string index ' + i + ' out of range');
	return strs[Number(i)];
};
const hex = (v) => '0x' + big(v).toString(16);

if (strs[0] !== '')
	problems.push('string_table[0] is not ""');
function byId(list, what) {
	const m = new Map();
	for (const x of list) {
		const id = big(x.id);
		if (id === 0n)
			problems.push(what + ' with id 0');
		if (m.has(id))
			problems.push('duplicate ' + what + ' id ' + id);
		m.set(id, x);
	}
	return m;
}
const mappings = byId(p.mapping, 'mapping');
const locations = byId(p.location, 'location');
const functions = byId(p.function, 'function');

const funcName = (id) => {
	const f = functions.get(big(id));
	if (!f) {
		problems.push('line refers to missing function ' + id);
		return '?';
	}
	return str(f.name);
};
// A location's frames, innermost first (pprof's order of Lines).
const locNames = (loc) => loc.line.length ? loc.line.map((l) => funcName(l.functionId)) :
	[hex(loc.address)];

const sampleTypes = p.sampleType.map((t) => [str(t.type), str(t.unit)]);
const totals = sampleTypes.map(() => 0n);
const samples = p.sample.map((s) => {
	if (s.value.length !== sampleTypes.length)
		problems.push('sample with ' + s.value.length + ' values');
	s.value.forEach((v, i) => { totals[i] += big(v); });
	const frames = [];
	for (const id of s.locationId) {
		const loc = locations.get(big(id));
		if (!loc) {
			problems.push('sample refers to missing location ' + id);
			continue;
		}
		frames.push(...locNames(loc));
	}
	const labels = {};
	for (const l of s.label) {
		const k = str(l.key);
		if (k in labels)
			problems.push('label ' + k + ' twice');
		labels[k] = big(l.str) ? str(l.str) : Number(l.num);
	}
	return { stack: frames.join(';'), values: s.value.map(Number), labels,
		key: JSON.stringify([s.locationId.map(String), labels]) };
});

const out = {
	sampleTypes,
	defaultSampleType: str(p.defaultSampleType),
	periodType: p.periodType ? [str(p.periodType.type), str(p.periodType.unit)] : null,
	period: Number(p.period),
	timeNanos: String(p.timeNanos),
	durationNanos: Number(p.durationNanos),
	sampleCount: p.sample.length,
	totals: totals.map(String),
	samples,
	mappings: p.mapping.map((m) => ({
		id: Number(m.id), start: hex(m.memoryStart), limit: hex(m.memoryLimit),
		offset: hex(m.fileOffset), file: str(m.filename), buildId: str(m.buildId),
		hasFunctions: !!m.hasFunctions, hasFilenames: !!m.hasFilenames,
		hasLineNumbers: !!m.hasLineNumbers, hasInlineFrames: !!m.hasInlineFrames,
	})),
	locations: p.location.map((l) => {
		const m = big(l.mappingId) ? mappings.get(big(l.mappingId)) : null;
		if (big(l.mappingId) && !m)
			problems.push('location refers to missing mapping ' + l.mappingId);
		return {
			id: Number(l.id), address: hex(l.address), mapping: m ? str(m.filename) : null,
			lines: l.line.map((ln) => {
				const f = functions.get(big(ln.functionId));
				const file = f ? str(f.filename) : '';
				return funcName(ln.functionId) + (file ? ' ' + file + ':' + ln.line : '');
			}),
		};
	}),
	functions: p.function.map((f) => str(f.name) + (big(f.filename) ? ' ' + str(f.filename) : '')),
};
// Functions must be unique by (name, file); locations by (mapping, address, lines).
const dup = (list, what) => {
	const seen = new Set();
	for (const k of list) {
		if (seen.has(k))
			problems.push('duplicate ' + what + ': ' + k);
		seen.add(k);
	}
};
dup(out.functions, 'function');
dup(out.locations.map((l) => JSON.stringify([l.mapping, l.address, l.lines])), 'location');
dup(samples.map((s) => s.key), 'sample');
for (const s of samples)
	delete s.key;

if (problems.length) {
	console.error(problems.join('\n'));
	process.exit(1);
}
require('./summary.js')(out);
