#!/usr/bin/env bash
# scripts/lab.sh for real: namespaces, the bridge, an sshd per host, the watchdog.
# One case per run (ctest hosts.lab_CASE): tests/test_lab.sh CASE. Root only; every
# case takes its lab down on the way out, pass or fail, and each runs alone (the names
# eblab* are the machine's: ctest's RESOURCE_LOCK echobench_lab).
set -euo pipefail

TEST_SKIP=77 # tests/check.h
LAB_SH=${LAB_SH:-$(cd "$(dirname "$0")/.." && pwd)/scripts/lab.sh}

skip() {
    echo "SKIP: $*"
    exit "$TEST_SKIP"
}
fail() {
    echo "FAIL: $*" >&2
    exit 1
}

lab_names() {
    ip netns list 2>/dev/null | awk '$1 ~ /^eblab/ { print $1 }'
    ip -o link show 2>/dev/null | awk -F': ' '{ sub(/@.*/, "", $2); if ($2 ~ /^eblab/) print $2 }'
}

[ "$(id -u)" -eq 0 ] || skip "needs root (network namespaces and sshd): run the tests as root"
for tool in ip ssh ssh-keygen /usr/sbin/sshd setpriv; do
    command -v "$tool" >/dev/null 2>&1 ||
        skip "$tool is missing: scripts/deps.sh /usr/sbin/sshd=openssh-server ssh=openssh-client ip=iproute2 (make test installs them)"
done
[ -z "$(lab_names)" ] ||
    skip "a lab is up on this machine ($(lab_names | tr '\n' ' ')): the tests would take it down; scripts/lab.sh down first"

WORK=$(mktemp -d /tmp/echobench-labtest.XXXXXX)
export ECHOBENCH_LAB_DIR=$WORK/lab
CONFIG=$ECHOBENCH_LAB_DIR/ssh_config
# On the way out, pass or fail: down, then by hand whatever a broken down left.
cleanup() {
    local rc=$? ns pid name
    "$LAB_SH" down >/dev/null 2>&1 || true
    pid=$(cat "$ECHOBENCH_LAB_DIR/watchdog.pid" 2>/dev/null || true)
    [ -z "$pid" ] || kill -KILL -- "-$pid" 2>/dev/null || true
    for ns in $(ip netns list 2>/dev/null | awk '$1 ~ /^eblab/ { print $1 }'); do
        # shellcheck disable=SC2046 # the pids, split
        kill -KILL $(ip netns pids "$ns") 2>/dev/null || true
        sleep 0.2
        ip netns del "$ns" 2>/dev/null || true
    done
    for name in $(lab_names); do
        ip link del "$name" 2>/dev/null || true
    done
    # An sshd whose namespace a broken down removed: its command line names $WORK.
    for name in /proc/[0-9]*/cmdline; do
        [[ $(tr '\0' ' ' 2>/dev/null <"$name") == *"$WORK/"* ]] || continue
        name=${name#/proc/}
        kill -KILL "${name%/cmdline}" 2>/dev/null || true
    done
    rm -rf -- "$WORK"
    exit "$rc"
}
trap cleanup EXIT

lab() { "$LAB_SH" "$@"; }
on() {
    local host=$1
    shift
    ssh -F "$CONFIG" "$host" "$@" </dev/null
}
# Through a pipe, as a caller reads it: nothing up leaves running may hold it open.
up() {
    local out
    out=$(lab up "$@" 2>"$WORK/up.err") || fail "up $* failed: $(cat "$WORK/up.err")"
    echo "$out" >"$WORK/up.out"
}

# A process is gone once it is dead or a zombie (init reaps it when it gets to it).
alive() {
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    stat=${stat##*) }
    [[ $stat != Z* ]]
}

# What up leaves running: every sshd's pid, the watchdog's and its sleep's.
lab_pids() {
    cat "$ECHOBENCH_LAB_DIR"/lab*/sshd.pid "$ECHOBENCH_LAB_DIR/watchdog.pid"
    local ns
    for ns in $(ip netns list | awk '$1 ~ /^eblab/ { print $1 }'); do
        ip netns pids "$ns"
    done
}

# Nothing of a lab is left: no namespace or link by name, no 198.18 address here, no
# folder, none of the given processes alive.
assert_nothing_left() {
    local left pid
    left=$(lab_names)
    [ -z "$left" ] || fail "left behind: ${left//$'\n'/ }"
    ! ip -o addr show | grep -q ' 198\.18\.' || fail "a 198.18 address is left: $(ip -o addr show | grep ' 198\.18\.')"
    [ ! -e "$ECHOBENCH_LAB_DIR" ] || fail "the lab folder $ECHOBENCH_LAB_DIR is left"
    for pid in "$@"; do
        for _ in $(seq 20); do
            alive "$pid" || continue 2
            sleep 0.1
        done
        fail "process $pid is left: $(tr '\0' ' ' <"/proc/$pid/cmdline")"
    done
}

case_up_ssh() {
    up 3
    grep -qx "ssh_config: $CONFIG" "$WORK/up.out" || fail "up did not print 'ssh_config: $CONFIG': $(cat "$WORK/up.out")"
    local k addr got
    for k in 1 2 3; do
        addr=198.18.0.$((10 + k))
        grep -qx "lab$k $addr" "$WORK/up.out" || fail "up did not print 'lab$k $addr': $(cat "$WORK/up.out")"
        on "lab$k" true || fail "ssh -F $CONFIG lab$k true failed"
        # Each name is its own host: its own namespace, with its own address.
        got=$(on "lab$k" ip -o -4 addr show dev eth0 | awk '{ print $4 }')
        [ "$got" = "$addr/24" ] || fail "lab$k's eth0 has '$got', not $addr/24"
    done
    [ "$(grep -c '^Host ' "$CONFIG")" -eq 3 ] || fail "ssh_config names $(grep -c '^Host ' "$CONFIG") hosts, not 3"
}

case_reach() {
    up 3
    # lab1 connects to lab2's sshd over the bridge: it answers with its banner.
    local banner
    banner=$(on lab1 'exec 3<>/dev/tcp/198.18.0.12/22 && head -c 4 <&3') ||
        fail "lab1 could not connect to 198.18.0.12:22"
    [ "$banner" = SSH- ] || fail "lab1 got '$banner' from 198.18.0.12:22, not an SSH banner"
    banner=$(ip netns exec eblab3 bash -c 'exec 3<>/dev/tcp/198.18.0.11/22 && head -c 4 <&3') ||
        fail "eblab3 could not connect to 198.18.0.11:22"
    [ "$banner" = SSH- ] || fail "eblab3 got '$banner' from 198.18.0.11:22"
}

case_isolated() {
    up 2
    local ns addrs
    for ns in eblab1 eblab2; do
        [ -z "$(ip -n "$ns" route show default)" ] || fail "$ns has a default route: $(ip -n "$ns" route show default)"
        addrs=$(ip -n "$ns" -o addr show | awk '{ print $4 }' | grep -v -e '^127\.0\.0\.1/8$' -e '^::1/128$' -e '^fe80:' -e '^198\.18\.0\.[0-9]*/24$' || true)
        [ -z "$addrs" ] || fail "$ns has an address outside 198.18.0.0/24 and loopback: $addrs"
    done
    [ "$(ip -o -4 addr show dev eblab0 | awk '{ print $4 }')" = 198.18.0.1/24 ] ||
        fail "eblab0 is not 198.18.0.1/24: $(ip -o addr show dev eblab0)"
    # Only the lab's key logs in: without it, a password is never asked for (BatchMode).
    ssh-keygen -q -t ed25519 -N '' -f "$WORK/other_key"
    ! ssh -F /dev/null -o BatchMode=yes -o IdentitiesOnly=yes -o IdentityFile="$WORK/other_key" \
        -o UserKnownHostsFile="$ECHOBENCH_LAB_DIR/known_hosts" root@198.18.0.11 true </dev/null 2>/dev/null ||
        fail "lab1 let root in with a key that is not the lab's"
}

case_status() {
    up 3
    local out rc=0
    out=$(lab status) || fail "status exited $? with the lab up: $out"
    local k
    for k in 1 2 3; do
        grep -q "^lab$k 198\.18\.0\.1$k namespace eblab$k, sshd pid [0-9]" <<<"$out" ||
            fail "status does not list lab$k with its sshd: $out"
    done
    grep -qx "ssh_config: $CONFIG" <<<"$out" || fail "status does not name $CONFIG: $out"
    grep -q '^watchdog: pid [0-9]' <<<"$out" || fail "status does not show the watchdog: $out"
    # A host whose sshd died: status says so and exits 1.
    kill "$(cat "$ECHOBENCH_LAB_DIR/lab2/sshd.pid")"
    sleep 0.3
    out=$(lab status) || rc=$?
    [ "$rc" -eq 1 ] || fail "status exited $rc with lab2's sshd gone, not 1: $out"
    grep -q '^lab2 .*no sshd' <<<"$out" || fail "status does not say lab2 has no sshd: $out"
}

case_down_clean() {
    up 3
    local pids
    mapfile -t pids < <(lab_pids)
    [ ${#pids[@]} -ge 5 ] || fail "expected 3 sshd, the watchdog and its sleep, found: ${pids[*]}"
    lab down || fail "down exited $?"
    assert_nothing_left "${pids[@]}"
    local rc=0
    lab status >/dev/null || rc=$?
    [ "$rc" -eq 3 ] || fail "status after down exited $rc, not 3 (nothing up)"
}

case_down_twice() {
    lab down || fail "down with nothing up exited $?"
    up 2
    local pids
    mapfile -t pids < <(lab_pids)
    lab down || fail "the first down exited $?"
    lab down || fail "the second down exited $?"
    assert_nothing_left "${pids[@]}"
}

case_up_twice() {
    up 2
    local rc=0 err
    err=$(lab up 2 2>&1 >/dev/null) || rc=$?
    [ "$rc" -ne 0 ] || fail "up while up succeeded"
    grep -q "up already" <<<"$err" || fail "up while up did not say a lab is up: $err"
    # The lab that was up is untouched.
    on lab1 true || fail "lab1 no longer answers after the refused up"
    on lab2 true || fail "lab2 no longer answers after the refused up"
    lab status >/dev/null || fail "status is not whole after the refused up"
}

# Each refused with a message, exit 1, nothing made.
case_bounds() {
    local args rc err
    for args in "9" "0" "x" "" "2 --ttl 0" "2 --ttl 25h" "2 --ttl soon" "2 --ttl" "2 --nope"; do
        rc=0
        # shellcheck disable=SC2086 # the arguments, split
        err=$(lab up $args 2>&1) || rc=$?
        [ "$rc" -ne 0 ] || fail "up $args was accepted"
        [ -n "$err" ] || fail "up $args was refused without a message"
        if [ -n "$(lab_names)" ] || [ -e "$ECHOBENCH_LAB_DIR" ]; then
            fail "up $args left something: $(lab_names | tr '\n' ' ')"
        fi
    done
    err=$(lab up 9 2>&1) || true
    grep -q "from 1 to 8" <<<"$err" || fail "up 9 did not say N is from 1 to 8: $err"
}

case_not_root() {
    local rc=0 err
    err=$(setpriv --reuid nobody --regid nogroup --clear-groups "$LAB_SH" up 2 2>&1) || rc=$?
    [ "$rc" -eq 1 ] || fail "up as nobody exited $rc, not 1: $err"
    grep -q "needs root" <<<"$err" || fail "up as nobody did not say it needs root: $err"
    [ -z "$(lab_names)" ] || fail "up as nobody left $(lab_names | tr '\n' ' ')"
}

case_ttl() {
    up 1 --ttl 2s
    local pids
    mapfile -t pids < <(lab_pids)
    on lab1 true || fail "lab1 did not answer"
    for _ in $(seq 100); do
        [ -n "$(lab_names)" ] || [ -e "$ECHOBENCH_LAB_DIR" ] || break
        sleep 0.1
    done
    assert_nothing_left "${pids[@]}"
}

# An up that died half way, its folder lost: down still removes all of it by name,
# the watchdog too (its sleep was in eblab1).
case_crash() {
    up 2
    local pids
    mapfile -t pids < <(lab_pids)
    rm -rf -- "$ECHOBENCH_LAB_DIR"
    ip netns add eblab7
    ip link add eblab7v type veth peer name eblab7p
    lab down || fail "down after the crash exited $?"
    assert_nothing_left "${pids[@]}"
}

# $ECHOBENCH_LAB_DIR naming a folder that is not a lab's: up refuses it, down keeps it.
case_foreign_folder() {
    mkdir "$ECHOBENCH_LAB_DIR"
    echo keep >"$ECHOBENCH_LAB_DIR/precious"
    local rc=0 err
    err=$(lab up 1 2>&1) || rc=$?
    [ "$rc" -eq 1 ] || fail "up into a folder not a lab's exited $rc, not 1: $err"
    grep -q "not a lab's folder" <<<"$err" || fail "up did not say the folder is not a lab's: $err"
    [ -z "$(lab_names)" ] || fail "the refused up left $(lab_names | tr '\n' ' ')"
    lab down 2>/dev/null || fail "down exited $?"
    [ "$(cat "$ECHOBENCH_LAB_DIR/precious" 2>/dev/null)" = keep ] || fail "down removed a folder that was not a lab's"
}

name=${1:-}
declare -F "case_$name" >/dev/null || fail "no case '$name': $(declare -F | awk '$3 ~ /^case_/ { sub(/^case_/, "", $3); printf "%s ", $3 }')"
"case_$name"
echo "PASS: $name"
