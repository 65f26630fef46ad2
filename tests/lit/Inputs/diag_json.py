#!/usr/bin/env python3
"""Check ktapc's JSON diagnostics (stdin) against the contract of
docs/diagnostics.md, version 1, then print them one line each for
FileCheck:

    CODE SEVERITY FILE L:C-L:C [D:D] MESSAGE      (range as line:column, end
      note L:C-L:C MESSAGE                        exclusive; [D:D] the display
      fixit L:C-L:C "REPLACEMENT"                 columns when they differ)

A diagnostic without a range shows "-" for it. Anything off the schema is
an error (exit status 1), so every lit test that pipes through here checks
the schema too."""
import json
import re
import sys


def fail(why):
    sys.exit('diag_json.py: ' + why)


def want(obj, keys, where, optional=()):
    if not isinstance(obj, dict):
        fail(where + ' is not an object')
    missing = set(keys) - set(obj)
    extra = set(obj) - set(keys) - set(optional)
    if missing or extra:
        fail('%s: missing %s, unknown %s' % (where, sorted(missing), sorted(extra)))


def integer(v, where):
    if type(v) is not int or v < 1:
        fail(where + ' must be an integer from 1')


def position(p, where):
    want(p, ('line', 'column', 'display_column'), where)
    for k in p:
        integer(p[k], where + '.' + k)
    return (p['line'], p['column']), p['display_column']


def text_range(r, where):
    if r is None:
        return '-'
    want(r, ('start', 'end'), where)
    (s, sd), (e, ed) = position(r['start'], where + '.start'), position(r['end'], where + '.end')
    if e < s:
        fail(where + ' ends before it starts')
    out = '%d:%d-%d:%d' % (s + e)
    if (sd, ed) != (s[1], e[1]):
        out += ' [%d:%d]' % (sd, ed)
    return out


def string(v, where):
    if not isinstance(v, str):
        fail(where + ' must be a string')
    return v


def diagnostic(d, i):
    where = 'diagnostics[%d]' % i
    want(d, ('code', 'severity', 'message', 'file', 'notes', 'fixits'), where, ('range',))
    if not re.fullmatch(r'[a-z]+(-[a-z]+)*', string(d['code'], where + '.code')):
        fail(where + '.code is not kebab-case')
    if d['severity'] not in ('error', 'warning'):
        fail(where + '.severity must be error or warning')
    for k in ('notes', 'fixits'):
        if not isinstance(d[k], list):
            fail('%s.%s must be an array' % (where, k))
    lines = ['%s %s %s %s %s' % (d['code'], d['severity'], string(d['file'], where + '.file'),
                                 text_range(d.get('range'), where + '.range'),
                                 string(d['message'], where + '.message'))]
    for j, n in enumerate(d['notes']):
        w = '%s.notes[%d]' % (where, j)
        want(n, ('message', 'file'), w, ('range',))
        string(n['file'], w + '.file')
        lines.append('  note %s %s' % (text_range(n.get('range'), w + '.range'),
                                       string(n['message'], w + '.message')))
    for j, f in enumerate(d['fixits']):
        w = '%s.fixits[%d]' % (where, j)
        want(f, ('range', 'replacement'), w)
        lines.append('  fixit %s %s' % (text_range(f['range'], w + '.range'),
                                        json.dumps(string(f['replacement'], w + '.replacement'))))
    return lines


def main():
    try:
        doc = json.load(sys.stdin)
    except ValueError as e:
        fail('not one JSON document: %s' % e)
    want(doc, ('version', 'diagnostics'), 'the document')
    if doc['version'] != 1:
        fail('version must be 1')
    if not isinstance(doc['diagnostics'], list):
        fail('diagnostics must be an array')
    for i, d in enumerate(doc['diagnostics']):
        print('\n'.join(diagnostic(d, i)))


main()
