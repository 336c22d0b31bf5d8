# Copyright: (c) 2026, devfleet.claude_code contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Bounded load of Claude Code-shaped requests (streaming POST /v1/messages) for the litellm_ha scenario.

Standard library only. CONCURRENCY workers send requests, one connection each, until DURATION seconds have
passed or COUNT requests were sent, round-robin over the URLs given. With --while-file the load goes on after
DURATION for as long as that file exists (a test removes it when the change it loads is done), but never past
--max-duration: it always stops by itself. A request succeeds when the answer is HTTP 200 and its body holds the
EXPECT text. Prints one JSON object: sent, ok, failed, statuses, seconds, the wall-clock start (epoch), successes by
URL and by the second they were sent in, and the failures (each with the wall-clock time its request was sent), so
a test can tell requests in flight at a moment from new ones.
"""

import argparse
import asyncio
import json
import os
import time
import urllib.parse


async def one(url, key, model, expect, timeout):
    parts = urllib.parse.urlsplit(url)
    body = json.dumps({'model': model, 'max_tokens': 16, 'stream': True,
                       'messages': [{'role': 'user', 'content': 'Reply with one word.'}]}).encode()
    path = (parts.path.rstrip('/') or '') + '/v1/messages?beta=true'
    request = ('POST %s HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\nanthropic-version: 2023-06-01\r\n'
               'anthropic-beta: claude-code-20250219\r\ncontent-type: application/json\r\ncontent-length: %d\r\n'
               'connection: close\r\n\r\n' % (path, parts.netloc, key, len(body))).encode() + body
    reader, writer = await asyncio.wait_for(asyncio.open_connection(parts.hostname, parts.port), timeout)
    try:
        writer.write(request)
        await writer.drain()
        data = await asyncio.wait_for(reader.read(), timeout)
    finally:
        writer.close()
    head = data.split(b'\r\n', 1)[0].decode('latin-1')
    status = int(head.split()[1]) if len(head.split()) > 1 else 0
    return status, expect.encode() in data


async def run(args):
    urls = args.url.split(',')
    start = time.monotonic()
    state = {'sent': 0, 'ok': 0, 'failed': 0, 'statuses': {}, 'failures': [], 'started': time.time(),
             'ok_by_url': dict((url, 0) for url in urls), 'ok_by_second': []}

    def going():
        now = time.monotonic() - start
        if args.count and state['sent'] >= args.count:
            return False
        if now < args.duration:
            return True
        return bool(args.while_file) and now < args.max_duration and os.path.exists(args.while_file)

    async def worker():
        while going():
            url = urls[state['sent'] % len(urls)]
            state['sent'] += 1
            at = round(time.time(), 3)
            try:
                status, found = await one(url, args.key, args.model, args.expect, args.timeout)
                reason = None if status == 200 and found else 'HTTP %d%s' % (status, '' if found else ', no answer text')
            except (OSError, asyncio.TimeoutError, ValueError, IndexError) as exc:
                status, reason = 0, '%s: %s' % (type(exc).__name__, exc)
            state['statuses'][str(status)] = state['statuses'].get(str(status), 0) + 1
            if reason is None:
                state['ok'] += 1
                state['ok_by_url'][url] += 1
                second = int(at - state['started'])  # successes by the second they were sent in
                state['ok_by_second'].extend([0] * (second + 1 - len(state['ok_by_second'])))
                state['ok_by_second'][second] += 1
            else:
                state['failed'] += 1
                if len(state['failures']) < 200:
                    state['failures'].append({'at': at, 'ended': round(time.time(), 3), 'url': url, 'error': reason})
            if args.pause:
                await asyncio.sleep(args.pause)

    await asyncio.gather(*(worker() for _worker in range(args.concurrency)))
    state['seconds'] = round(time.monotonic() - start, 1)
    return state


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--url', required=True, help='base URL(s), comma-separated, used in turn')
    parser.add_argument('--key', required=True)
    parser.add_argument('--model', default='claude-sonnet-4-6')
    parser.add_argument('--expect', required=True, help='text every good answer holds')
    parser.add_argument('--concurrency', type=int, default=20)
    parser.add_argument('--duration', type=float, default=60.0)
    parser.add_argument('--while-file', help='after --duration, go on while this file exists')
    parser.add_argument('--max-duration', type=float, default=600.0, help='stop after this many seconds in any case')
    parser.add_argument('--count', type=int, default=0, help='stop after this many requests (0: no limit)')
    parser.add_argument('--pause', type=float, default=0.0, help='seconds each worker waits between requests')
    parser.add_argument('--timeout', type=float, default=120.0)
    parser.add_argument('--out', help='write the JSON result here too')
    args = parser.parse_args()
    result = asyncio.run(run(args))
    text = json.dumps(result, sort_keys=True)
    if args.out:
        with open(args.out, 'w') as handle:
            handle.write(text + '\n')
    print(text)


if __name__ == '__main__':
    main()
