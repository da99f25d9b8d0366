#!/usr/bin/env node
// SPDX-License-Identifier: GPL-2.0-only
// Validate a speedscope JSON file against speedscope's own schema (the
// file-format-schema.json shipped in the `speedscope` npm package, the file
// https://www.speedscope.app/file-format-schema.json serves), check what the schema
// cannot (frame indices in range, one weight per sample, endValue), and print a
// JSON summary: frames, and per profile its samples as "root;...;leaf" with weights.
// Exit 1 with the problems on stderr if the file is not valid.
'use strict';
const fs = require('fs');
const path = require('path');
const Ajv = require('ajv');

const file = process.argv[2];
if (!file) {
	console.error('usage: check-speedscope.js FILE.json');
	process.exit(2);
}
const schemaFile = path.join(path.dirname(require.resolve('speedscope/package.json')),
	'dist', 'release', 'file-format-schema.json');
const schema = JSON.parse(fs.readFileSync(schemaFile, 'utf8'));
let doc;
try {
	doc = JSON.parse(fs.readFileSync(file, 'utf8'));
} catch (e) {
	console.error(file + ': not JSON: ' + e.message);
	process.exit(1);
}
const ajv = new Ajv({ allErrors: true, strict: false });
const validate = ajv.compile(schema);
if (!validate(doc)) {
	console.error(ajv.errorsText(validate.errors, { separator: '\n' }));
	process.exit(1);
}

const problems = [];
const frames = doc.shared.frames;
const frameName = (i) => {
	if (!Number.isInteger(i) || i < 0 || i >= frames.length) {
		problems.push('frame index ' + i + ' out of range');
		return '?';
	}
	return frames[i].name;
};
const seen = new Set();
for (const f of frames) {
	const k = JSON.stringify([f.name, f.file, f.line]);
	if (seen.has(k))
		problems.push('duplicate frame ' + k);
	seen.add(k);
}
const stacks = [];
const profiles = doc.profiles.map((p) => {
	if (p.type !== 'sampled')
		return { name: p.name, type: p.type };
	if (p.samples.length !== p.weights.length)
		problems.push(p.name + ': ' + p.samples.length + ' samples, ' + p.weights.length +
			' weights');
	const total = p.weights.reduce((a, b) => a + b, 0);
	if (p.endValue - p.startValue !== total)
		problems.push(p.name + ': endValue - startValue ' + (p.endValue - p.startValue) +
			' is not the total weight ' + total);
	p.samples.forEach((s, i) => stacks.push(p.name + ': ' + s.map(frameName).join(';') + ' ' +
		p.weights[i]));
	return {
		name: p.name, unit: p.unit, startValue: p.startValue, endValue: p.endValue,
		samples: p.samples.length, total,
	};
});
if (doc.activeProfileIndex !== undefined &&
    !(doc.activeProfileIndex >= 0 && doc.activeProfileIndex < doc.profiles.length))
	problems.push('activeProfileIndex out of range');
if (problems.length) {
	console.error(problems.join('\n'));
	process.exit(1);
}
// Frames as "name file:line"; stacks as "profile: root;...;leaf weight".
require('./summary.js')({
	name: doc.name, exporter: doc.exporter, activeProfileIndex: doc.activeProfileIndex,
	frames: frames.map((f) => [f.name, f.file, f.line].filter((x) => x !== undefined)),
	profiles, stacks,
});
