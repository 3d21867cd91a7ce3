#!/bin/sh
# `/` of the flaky image: answers 500 to FAIL_PERCENT of the requests, spread evenly (request n,
# from 0, fails when n * FAIL_PERCENT mod 100 < FAIL_PERCENT: 20 fails every fifth), and 200 to the
# others; the body names VERSION either way. Both come from the image's build args (/etc/flaky),
# and the environment overrides them.
. /etc/flaky
percent=${FAIL_PERCENT:-$fail_percent}
n=$(cat /tmp/requests 2>/dev/null || echo 0)
echo $((n + 1)) >/tmp/requests
if [ $((n * percent % 100)) -lt "$percent" ]; then
    status="500 Internal Server Error"
else
    status="200 OK"
fi
printf 'Status: %s\r\nContent-Type: text/plain\r\n\r\n%s\n' "$status" "${VERSION:-$version}"
