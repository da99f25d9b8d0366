// SPDX-License-Identifier: GPL-2.0-only
// Print a summary object as JSON with one top-level key a line, and long arrays one
// element a line: valid JSON that tests can diff and grep.
'use strict';
module.exports = function print(out) {
	const keys = Object.keys(out);
	const lines = keys.map((k) => {
		const v = out[k];
		let s = JSON.stringify(v);
		if (Array.isArray(v) && s.length > 60)
			s = '[\n' + v.map((x) => '  ' + JSON.stringify(x)).join(',\n') + '\n ]';
		return ' ' + JSON.stringify(k) + ': ' + s;
	});
	console.log('{\n' + lines.join(',\n') + '\n}');
};
