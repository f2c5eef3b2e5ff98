#!/usr/bin/env bash
# A lab of hosts on this one machine, for bench's --server-host and --client-hosts
# (docs/hosts.md, "The lab"): N network namespaces eblab1..eblabN, each with an eth0 on
# 198.18.0.(10+K)/24 bridged to eblab0 (198.18.0.1/24, in this machine's namespace)
# and its own sshd on port 22, reached through LABDIR/ssh_config as lab1..labN.
#
#   scripts/lab.sh up N [--ttl DURATION]   N from 1 to 8; it goes by itself after the
#                                          TTL (default 30m); prints the hosts
#   scripts/lab.sh status                  what exists (exit 0 up, 3 nothing, 1 partial)
#   scripts/lab.sh down                    removes all of it; by name (eblab*) also after
#                                          a crash; nothing up is fine
#
# LABDIR is $ECHOBENCH_LAB_DIR, default /tmp/echobench-lab. Needs root. Addresses are
# 198.18.0.0/24 only (of 198.18.0.0/15, the benchmarking range): no default route, no
# NAT, no forwarding; the hosts reach each other and this machine, nothing else.
set -euo pipefail

LAB=${ECHOBENCH_LAB_DIR:-/tmp/echobench-lab}
SELF=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")
MAX_HOSTS=8
BRIDGE=eblab0
BRIDGE_ADDR=198.18.0.1
SSHD=/usr/sbin/sshd

say() { echo "lab.sh: $*" >&2; }
die() {
    say "$*"
    exit 1
}
usage() {
    cat >&2 <<EOF
usage: scripts/lab.sh up N [--ttl DURATION]   (N from 1 to $MAX_HOSTS; TTL such as 90s, 30m, 2h; default 30m)
       scripts/lab.sh status
       scripts/lab.sh down
EOF
    exit 2
}

host_addr() { echo "198.18.0.$((10 + $1))"; }

need_root() {
    [ "$(id -u)" -eq 0 ] ||
        die "needs root (network namespaces, a bridge, sshd on port 22): run it as root, e.g. sudo scripts/lab.sh $1"
}

need_tools() {
    local missing=()
    command -v ip >/dev/null 2>&1 || missing+=(ip=iproute2)
    [ -x "$SSHD" ] || missing+=("$SSHD=openssh-server")
    command -v ssh >/dev/null 2>&1 || missing+=(ssh=openssh-client)
    command -v ssh-keygen >/dev/null 2>&1 || missing+=(ssh-keygen=openssh-client)
    [ ${#missing[@]} -eq 0 ] ||
        die "missing ${missing[*]}: install them with scripts/deps.sh ${missing[*]}"
}

# The seconds of a duration such as 45, 90s, 30m or 2h: at least a second, at most a day.
ttl_seconds() {
    local text=$1 n unit
    [[ $text =~ ^([0-9]+)(s|m|h)?$ ]] ||
        die "--ttl must be a whole number of seconds, minutes or hours such as 90s, 30m or 2h, not '$text'"
    n=$((10#${BASH_REMATCH[1]}))
    unit=${BASH_REMATCH[2]:-s}
    case $unit in
    m) n=$((n * 60)) ;;
    h) n=$((n * 3600)) ;;
    esac
    if [ "$n" -lt 1 ] || [ "$n" -gt 86400 ]; then
        die "--ttl must be from 1s to a day (24h), not '$text'"
    fi
    echo "$n"
}

lab_namespaces() { ip netns list 2>/dev/null | awk '$1 ~ /^eblab[0-9]+$/ { print $1 }' | sort -V; }
lab_links() { ip -o link show 2>/dev/null | awk -F': ' '{ sub(/@.*/, "", $2); if ($2 ~ /^eblab/) print $2 }'; }

# The pids of this lab folder's sshd listeners, by their command line (sshd -f
# LAB/labK/sshd_config): for one whose namespace was removed by hand, out of ip netns
# pids' sight. No process is started per pid: one read of each cmdline.
lab_sshd_pids() {
    local f line
    for f in /proc/[0-9]*/cmdline; do
        line=
        IFS= read -r -d '' line 2>/dev/null <"$f" || true
        # A listener's title (setproctitle) is "sshd: /usr/sbin/sshd -f CONFIG ...".
        if [[ $line == "sshd: $SSHD -f $LAB/lab"* ]]; then
            f=${f#/proc/}
            echo "${f%/cmdline}"
        fi
    done
}

# --- down --------------------------------------------------------------------------

# Removes everything up made, found by name (eblab*) as well as through LABDIR, so that
# it also cleans after an up that crashed half way. The watchdog's own down passes its
# lab's token: a watchdog whose lab is gone, or replaced by another, removes nothing.
cmd_down() {
    local token=${1:-}
    if [ -n "$token" ]; then
        [ "$(cat "$LAB/token" 2>/dev/null)" = "$token" ] || exit 0
    fi
    local pid
    pid=$(cat "$LAB/watchdog.pid" 2>/dev/null || true)
    # The watchdog is a session of its own (setsid): its group is its pid. Not when this
    # is the watchdog itself, running down.
    if [ -n "$pid" ] && [ "$pid" != "$$" ]; then
        kill -KILL -- "-$pid" 2>/dev/null || true
    fi
    local ns pids
    for ns in $(lab_namespaces); do
        # Every process in the namespace: its sshd with the sessions it forked, and the
        # watchdog's sleep (which wakes a watchdog that then finds its lab gone).
        mapfile -t pids < <(ip netns pids "$ns" 2>/dev/null || true)
        [ ${#pids[@]} -eq 0 ] || kill -KILL "${pids[@]}" 2>/dev/null || true
        for _ in $(seq 50); do
            [ -z "$(ip netns pids "$ns" 2>/dev/null || true)" ] && break
            sleep 0.1
        done
        ip netns del "$ns" 2>/dev/null || say "could not remove namespace $ns"
    done
    mapfile -t pids < <(lab_sshd_pids)
    [ ${#pids[@]} -eq 0 ] || kill -KILL "${pids[@]}" 2>/dev/null || true
    # A watchdog whose pid went with its folder (a crash), or that had not yet woken from
    # its killed sleep: found by its name (its bash's $0), there is one lab a machine.
    mapfile -t pids < <(pgrep -f -- '^bash -c .* [e]blab-watchdog ' 2>/dev/null || true)
    [ ${#pids[@]} -eq 0 ] || kill -KILL "${pids[@]}" 2>/dev/null || true
    local link
    for link in $(lab_links); do
        ip link del "$link" 2>/dev/null || true
    done
    # Only a lab's folder (up writes its token first), never a folder of someone else's
    # that $ECHOBENCH_LAB_DIR happens to name.
    if [ -f "$LAB/token" ]; then
        rm -rf -- "$LAB"
    elif [ -d "$LAB" ]; then
        rmdir -- "$LAB" 2>/dev/null ||
            say "$LAB has no lab token: not a lab's folder, left as it is"
    fi
    local left
    left=$(
        lab_namespaces
        lab_links
    )
    [ -z "$left" ] || die "left behind: ${left//$'\n'/ }; remove them with ip netns del / ip link del"
}

# --- status ------------------------------------------------------------------------

cmd_status() {
    local names links
    names=$(lab_namespaces)
    links=$(lab_links)
    if [ -z "$names" ] && [ -z "$links" ] && [ ! -e "$LAB" ]; then
        echo "no lab: no eblab* namespace or link, no $LAB"
        exit 3
    fi
    local whole=1 ns k addr pid state
    if [ -f "$LAB/ssh_config" ]; then
        echo "ssh_config: $LAB/ssh_config"
    else
        echo "ssh_config: none ($LAB/ssh_config is missing)"
        whole=0
    fi
    pid=$(cat "$LAB/watchdog.pid" 2>/dev/null || true)
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        echo "watchdog: pid $pid, down at $(date -u -d "@$(cat "$LAB/expires")" '+%Y-%m-%d %H:%M:%S UTC')"
    else
        echo "watchdog: none"
        whole=0
    fi
    if ip -o link show "$BRIDGE" >/dev/null 2>&1; then
        echo "bridge: $BRIDGE $BRIDGE_ADDR/24"
    else
        echo "bridge: none"
        whole=0
    fi
    [ -n "$names" ] || whole=0
    for ns in $names; do
        k=${ns#eblab}
        addr=$(host_addr "$k")
        pid=$(cat "$LAB/lab$k/sshd.pid" 2>/dev/null || true)
        if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
            state="sshd pid $pid"
        else
            state="no sshd"
            whole=0
        fi
        echo "lab$k $addr namespace $ns, $state"
    done
    if [ "$whole" -eq 0 ]; then
        echo "partial: run scripts/lab.sh down to remove what is left"
        exit 1
    fi
}

# --- up ----------------------------------------------------------------------------

# The namespace, its veth and address, and its sshd's configuration and host key.
make_host() {
    local k=$1 ns=eblab$1 addr dir
    addr=$(host_addr "$k")
    dir=$LAB/lab$k
    mkdir -m 700 "$dir"
    ip netns add "$ns"
    ip -n "$ns" link set lo up
    ip link add "eblab${k}v" type veth peer name eth0 netns "$ns"
    ip link set "eblab${k}v" master "$BRIDGE" up
    ip -n "$ns" addr add "$addr/24" dev eth0
    ip -n "$ns" link set eth0 up
    ssh-keygen -q -t ed25519 -N '' -C "lab$k host key" -f "$dir/ssh_host_ed25519_key"
    echo "$addr $(cut -d' ' -f1,2 "$dir/ssh_host_ed25519_key.pub")" >>"$LAB/known_hosts"
    cat >"$dir/sshd_config" <<EOF
# lab$k of scripts/lab.sh: root by the lab's key only, on $addr alone.
ListenAddress $addr:22
HostKey $dir/ssh_host_ed25519_key
PidFile $dir/sshd.pid
AuthorizedKeysFile $LAB/authorized_keys
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM $USE_PAM
# The lab folder is under /tmp, which is world-writable: the modes are checked here.
StrictModes no
X11Forwarding no
# bench opens a few channels per host at once (copy, info, the runs).
MaxStartups 64
Subsystem sftp internal-sftp
EOF
    sshd_start "$k"
}

sshd_start() {
    local dir=$LAB/lab$1
    ip netns exec "eblab$1" "$SSHD" -f "$dir/sshd_config" -E "$dir/sshd.log" \
        </dev/null >/dev/null 2>&1 ||
        die "sshd of lab$1 did not start: $(tail -n 3 "$dir/sshd.log" 2>/dev/null)"
}

write_ssh_config() {
    local k addr
    for k in $(seq "$1"); do
        addr=$(host_addr "$k")
        cat <<EOF
Host lab$k
    HostName $addr
    User root
    IdentityFile $LAB/id_ed25519
    IdentitiesOnly yes
    UserKnownHostsFile $LAB/known_hosts
    StrictHostKeyChecking accept-new
    BatchMode yes
    ConnectTimeout 5

EOF
    done >"$LAB/ssh_config"
}

# Each sshd accepts a login (ten seconds at most each): then bench can use the host.
wait_hosts() {
    local k
    for k in $(seq "$1"); do
        for _ in $(seq 100); do
            ssh -F "$LAB/ssh_config" "lab$k" true </dev/null >/dev/null 2>&1 && continue 2
            sleep 0.1
        done
        die "lab$k ($(host_addr "$k")) did not accept ssh within 10 s: $(tail -n 3 "$LAB/lab$k/sshd.log" 2>/dev/null)"
    done
}

start_watchdog() {
    local ttl=$1
    # Detached (its own session, no terminal, no inherited output: ctest and a shell's
    # pipe are not held open). Its sleep runs in eblab1, so a down by name ends it too.
    # shellcheck disable=SC2016 # the watchdog's own shell expands them
    setsid nohup bash -c 'ip netns exec eblab1 sleep "$1"; exec "$2" down --watchdog "$3"' \
        eblab-watchdog "$ttl" "$SELF" "$(cat "$LAB/token")" \
        </dev/null >/dev/null 2>&1 &
    echo $! >"$LAB/watchdog.pid"
    echo $(($(date +%s) + ttl)) >"$LAB/expires"
}

cmd_up() {
    local n=${1:-} ttl_text=30m
    [ $# -ge 1 ] || usage
    shift
    while [ $# -gt 0 ]; do
        case $1 in
        --ttl)
            [ $# -ge 2 ] || die "--ttl needs a duration such as 30m"
            ttl_text=$2
            shift 2
            ;;
        *) die "unknown argument '$1' to up: scripts/lab.sh up N [--ttl DURATION]" ;;
        esac
    done
    if ! [[ $n =~ ^[0-9]+$ ]] || [ "$((10#$n))" -lt 1 ] || [ "$((10#$n))" -gt "$MAX_HOSTS" ]; then
        die "N must be a number of hosts from 1 to $MAX_HOSTS, not '$n'"
    fi
    n=$((10#$n))
    local ttl
    ttl=$(ttl_seconds "$ttl_text")
    need_root "up $n"
    need_tools
    if [ -n "$(lab_namespaces)$(lab_links)" ] || [ -f "$LAB/token" ]; then
        die "a lab is up already (see scripts/lab.sh status): run scripts/lab.sh down first"
    fi
    [ ! -e "$LAB" ] ||
        die "$LAB exists and is not a lab's folder: remove it, or name another with ECHOBENCH_LAB_DIR"
    # A locked root (a '!' password) is refused by sshd without PAM, even by key.
    USE_PAM=no
    [ "$(getent shadow root | cut -d: -f2 | cut -c1)" != '!' ] || USE_PAM=yes

    # Whatever fails from here on: take down what was made.
    trap 'say "up failed: removing what it made"; cmd_down >/dev/null 2>&1 || true' EXIT
    mkdir -p "$(dirname "$LAB")"
    mkdir -m 700 "$LAB"
    head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$LAB/token"
    ssh-keygen -q -t ed25519 -N '' -C "echobench lab" -f "$LAB/id_ed25519"
    cp "$LAB/id_ed25519.pub" "$LAB/authorized_keys"
    : >"$LAB/known_hosts"
    # sshd's privilege separation folder, as the openssh-server package makes it at boot.
    [ -d /run/sshd ] || mkdir -m 755 /run/sshd
    ip link add "$BRIDGE" type bridge
    ip addr add "$BRIDGE_ADDR/24" dev "$BRIDGE"
    ip link set "$BRIDGE" up
    local k
    for k in $(seq "$n"); do
        make_host "$k"
    done
    write_ssh_config "$n"
    wait_hosts "$n"
    start_watchdog "$ttl"
    trap - EXIT

    echo "lab: $n hosts up until $(date -u -d "@$(cat "$LAB/expires")" '+%H:%M:%S UTC') (then it goes by itself; scripts/lab.sh down ends it now)" >&2
    echo "ssh_config: $LAB/ssh_config"
    for k in $(seq "$n"); do
        echo "lab$k $(host_addr "$k")"
    done
}

case ${1:-} in
up)
    shift
    cmd_up "$@"
    ;;
down)
    need_root down
    case ${2:-} in
    '') cmd_down ;;
    --watchdog) cmd_down "${3:?}" ;;
    *) die "down takes no arguments, not '$2'" ;;
    esac
    ;;
status)
    need_root status
    cmd_status
    ;;
*) usage ;;
esac
