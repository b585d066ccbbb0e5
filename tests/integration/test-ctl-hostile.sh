#!/bin/bash
# sftpjailctl (run by root) against hostile arguments: every argument of
# every command with very long strings, 700 zeros + 22 as a umask, '../',
# newlines, control characters, bytes that are not UTF-8, empty strings,
# and key files that hold a NUL byte, are huge, are a FIFO, /dev/zero or a
# directory; options given twice or without their value.  Each must exit 2
# with one printable line on stderr, print nothing on stdout, and change
# nothing: /etc/passwd, group, shadow, gshadow, the configuration, the
# keys directory and the home bases are compared before and after each.
# Finally a valid add-user shows that the comparison does see a change.
. "$(dirname "$0")/../lib.sh"
standard_setup "$@"

KEYS_DIR=$TESTROOT/etc/authorized_keys # the test build's KEYS_DIR
BASE=$TESTROOT/ctl-hostile-home
U=sjt-hostile
userdel -r $U >/dev/null 2>&1; rm -rf "$BASE" "${KEYS_DIR:?}/$U"
on_exit "userdel -r $U; rm -rf $BASE $KEYS_DIR/$U"
W=$(mktemp -d); on_exit "rm -rf $W"
# Relative values resolve against a directory two below the scratch one:
# "../../etc/passwd" names nothing there.
mkdir -p "$W/cwd/sub" && cd "$W/cwd/sub" || bail "no scratch directory"
printf '[default]\naccess = uploads\n' | write_config

snapshot() {
        sha256sum /etc/passwd /etc/group /etc/shadow /etc/gshadow "$CONF"
        find "$TESTROOT/etc" "$BASE" /srv/sftp -printf '%p %U:%G %m %s %T@\n' 2>/dev/null | sort
        find "$KEYS_DIR" -type f -exec sha256sum {} + 2>/dev/null | sort
}

# hostile DESCRIPTION ARGS...: exit 2, one printable line starting with
# "sftpjailctl: " on stderr, nothing on stdout, nothing changed.  For a
# file to read, HOSTILE_RC='2|3': a name that is well-formed but names
# nothing readable (a directory, a missing file) is an error (3).
hostile() {
        local what=$1 rc err before
        shift
        before=$(snapshot)
        timeout 20 "$CTL" "$@" </dev/null >"$W/out" 2>"$W/err"; rc=$?
        err=$(cat "$W/err")
        if [[ $rc =~ ^(${HOSTILE_RC:-2})$ ]] && [ "$(wc -l <"$W/err")" -eq 1 ] && [[ $err == "sftpjailctl: "* ]] &&
                ! LC_ALL=C grep -q '[^[:print:]]' "$W/err" && [ ! -s "$W/out" ] && [ "$before" = "$(snapshot)" ]; then
                ok "$what"
        else
                not_ok "$what"
                diag "rc=$rc stdout=$(head -c 300 "$W/out" | od -c | head -3)"
                diag "stderr=$(head -c 600 "$W/err" | od -c | head -8)"
                diff <(echo "$before") <(snapshot) | head -5 | while IFS= read -r l; do diag "$l"; done
        fi
}

long=$(head -c 100000 /dev/zero | tr '\0' a)
zeros700=$(head -c 700 /dev/zero | tr '\0' 0)22
# Values every argument must refuse (an argument of each command below
# gets each of them).
vals=("$long" "../" "../../etc/passwd" $'a\nb' $'sjt\n[user root]' $'\e[31mred\e[0m' $'tab\there' $'\xff\xfe\xc0\xaf'
      "" " " "a:b" "$zeros700")
names=("long" "../" "../../etc/passwd" "newline" "newline+section" "escape sequence" "tab" "not UTF-8"
       "empty" "space" "colon" "700 zeros + 22")

# Key files.
cp "$CLIENT_KEY.pub" "$W/good.pub"
printf 'ssh-ed25519 AAAA\0AAAA x\n' >"$W/nul.pub"
cat "$CLIENT_KEY.pub" >"$W/nul2.pub"; printf '\0' >>"$W/nul2.pub"
for _ in $(seq 1 1000); do cat "$CLIENT_KEY.pub"; done >"$W/huge.pub" # ~100 KiB of valid keys
head -c $((64 * 1024 + 1)) /dev/zero | tr '\0' '#' >"$W/huge-comment.pub"
{ cat "$CLIENT_KEY.pub"; echo "not a key"; } >"$W/mixed.pub"
sed 's/$/ \x1b[31mcomment/' "$CLIENT_KEY.pub" >"$W/escape.pub"
: >"$W/empty.pub"
printf '# only a comment\n\n' >"$W/comment.pub"
mkfifo "$W/fifo.pub"
mkdir "$W/dir.pub"
ln -s /dev/zero "$W/zero-link.pub"
cp "$CLIENT_KEY" "$W/private"

# add-user
for i in "${!vals[@]}"; do
        hostile "add-user NAME: ${names[$i]}" add-user "${vals[$i]}" --home-base "$BASE"
        hostile "add-user --umask: ${names[$i]}" add-user $U --umask "${vals[$i]}" --home-base "$BASE"
        hostile "add-user --access: ${names[$i]}" add-user $U --access "${vals[$i]}" --home-base "$BASE"
        hostile "add-user --home-base: ${names[$i]}" add-user $U --home-base "${vals[$i]}"
        hostile "add-user --key: ${names[$i]}" add-user $U --key "${vals[$i]}" --home-base "$BASE"
        hostile "add-user --quota: ${names[$i]}" add-user $U --quota "${vals[$i]}" --home-base "$BASE"
        hostile "add-user --quota-files: ${names[$i]}" add-user $U --quota-files "${vals[$i]}" --home-base "$BASE"
done
for v in 0 22 00022 0777x 1022 8 +22 -22 " 022" "022 " 0x1f 1777 0o22; do
        hostile "add-user --umask '$v'" add-user $U --umask "$v" --home-base "$BASE"
done
for v in READONLY readonly2 "uploads " everything; do
        hostile "add-user --access '$v'" add-user $U --access "$v" --home-base "$BASE"
done
for v in / // //srv /srv/ "/srv/./x" "/srv/../x" "/srv/x/.." "/srv/." "/srv//x" relative "./x" "/srv/a b" "/srv/x:y" \
        "/$(head -c 4090 /dev/zero | tr '\0' a)"; do
        hostile "add-user --home-base '${v:0:20}'" add-user $U --home-base "$v"
done
for f in nul nul2 huge huge-comment mixed escape empty comment fifo dir zero-link; do
        hostile "add-user --key: $f" add-user $U --key "$W/$f.pub" --home-base "$BASE"
done
hostile "add-user --key: a private key" add-user $U --key "$W/private" --home-base "$BASE"
hostile "add-user --key: /dev/zero" add-user $U --key /dev/zero --home-base "$BASE"
hostile "add-user --key: a good key, then a bad one" add-user $U --key "$W/good.pub" --key "$W/nul.pub" --home-base "$BASE"
hostile "add-user --key: missing file" add-user $U --key "$W/no-such.pub" --home-base "$BASE"
hostile "add-user --umask twice" add-user $U --umask 022 --umask 022 --home-base "$BASE"
hostile "add-user --access twice" add-user $U --access uploads --access home --home-base "$BASE"
hostile "add-user --home-base twice" add-user $U --home-base "$BASE" --home-base "$BASE"
hostile "add-user --umask without a value" add-user $U --home-base "$BASE" --umask
hostile "add-user unknown option" add-user $U --frobnicate
hostile "add-user unknown short option in a cluster" add-user $U -xyz
hostile "add-user two names" add-user $U other --home-base "$BASE"
hostile "add-user no name" add-user --home-base "$BASE"
hostile "add-user uid 0 name" add-user root --home-base "$BASE"

# remove-user, explain, kill-session, netns, doctor, sessions, print-filter,
# quota, log, metrics, and the command itself.
for i in "${!vals[@]}"; do
        hostile "remove-user NAME: ${names[$i]}" remove-user "${vals[$i]}"
        hostile "remove-user NAME --keep-files: ${names[$i]}" remove-user "${vals[$i]}" --keep-files
        hostile "explain USER: ${names[$i]}" explain "${vals[$i]}"
        hostile "kill-session ID: ${names[$i]}" kill-session "${vals[$i]}"
        hostile "kill-session --user: ${names[$i]}" kill-session --user "${vals[$i]}"
        hostile "netns ACTION: ${names[$i]}" netns "${vals[$i]}"
        hostile "doctor --sshd-config: ${names[$i]}" doctor --sshd-config "${vals[$i]}"
        hostile "doctor --fix --sshd-config: ${names[$i]}" doctor --fix --sshd-config "${vals[$i]}"
        hostile "doctor ARG: ${names[$i]}" doctor "${vals[$i]}"
        hostile "sessions ARG: ${names[$i]}" sessions "${vals[$i]}"
        hostile "print-filter ARG: ${names[$i]}" print-filter "${vals[$i]}"
        hostile "quota USER: ${names[$i]}" quota "${vals[$i]}"
        hostile "quota USER --json: ${names[$i]}" quota "${vals[$i]}" --json
        for o in --user --session --since --until; do
                hostile "log $o: ${names[$i]}" log $o "${vals[$i]}"
        done
        HOSTILE_RC='2|3' hostile "log --file: ${names[$i]}" log --file "${vals[$i]}"
        hostile "log ARG: ${names[$i]}" log "${vals[$i]}"
        for o in --textfile --file --state; do
                hostile "metrics $o: ${names[$i]}" metrics $o "${vals[$i]}"
        done
        hostile "metrics ARG: ${names[$i]}" metrics "${vals[$i]}"
        hostile "COMMAND: ${names[$i]}" "${vals[$i]}"
done
HOSTILE_RC=3 hostile "log --file: a directory" log --file "$W"
HOSTILE_RC=3 hostile "metrics --file: a directory" metrics --file "$W" --state "$W/metrics.state"
hostile "log --user twice" log --user root --user root
hostile "log --session twice" log --session 0123456789abcdef --session 0123456789abcdef
hostile "log --since twice" log --since 2026-01-01 --since 2026-01-01
hostile "log --until twice" log --until 2026-01-01 --until 2026-01-01
hostile "log --file twice" log --file "$SYSLOG" --file "$SYSLOG"
for o in --json --follow --all; do
        hostile "log $o twice" log --file "$SYSLOG" $o $o
done
hostile "log --until before --since" log --since 2026-01-02 --until 2026-01-01
for o in --textfile --file --state; do
        hostile "metrics $o twice" metrics $o "$W/m" $o "$W/m"
done
hostile "quota two users" quota root root
hostile "quota --report with a user" quota --report root
hostile "quota --report twice" quota --report --report
hostile "quota no user" quota
hostile "add-user --quota twice" add-user $U --quota 1M --quota 1M --home-base "$BASE"
hostile "add-user --quota-files twice" add-user $U --quota-files 5 --quota-files 5 --home-base "$BASE"
hostile "remove-user --keep-files twice" remove-user $U --keep-files --keep-files
hostile "remove-user two names" remove-user $U other
hostile "remove-user unknown option" remove-user $U --force
hostile "remove-user no name" remove-user
hostile "explain two users" explain root root
hostile "explain no user" explain
hostile "kill-session id of 17 hex digits" kill-session 0123456789abcdef0
hostile "kill-session upper-case hex" kill-session 0123456789ABCDEF
hostile "kill-session --user without a value" kill-session --user
hostile "kill-session two ids" kill-session 0123456789abcdef 0123456789abcdef
hostile "kill-session no argument" kill-session
hostile "netns two actions" netns create remove
for f in fifo dir; do
        hostile "doctor --sshd-config: $f" doctor --fix --sshd-config "$W/$f.pub"
done
hostile "doctor --sshd-config: /dev/zero" doctor --fix --sshd-config /dev/zero
hostile "doctor --sshd-config: missing file" doctor --fix --sshd-config "$W/no-such"
hostile "doctor --sshd-config without a value" doctor --sshd-config
hostile "doctor --fix twice" doctor --fix --fix
many=(); for _ in $(seq 1 17); do many+=(--sshd-config "$W/good.pub"); done
hostile "doctor 17 --sshd-config" doctor --fix "${many[@]}"
hostile "sessions --json twice" sessions --json --json
hostile "print-filter --policy --pfc" print-filter --policy --pfc
hostile "no command" 

# The comparison sees a change: a valid add-user (4-digit umask) changes
# the snapshot, and its config section holds exactly what was given.
before=$(snapshot)
out=$("$CTL" add-user $U --key "$W/good.pub" --umask 0027 --access dropbox --home-base "$BASE" 2>&1); rc=$?
diag "$out"
check "a valid add-user succeeds (rc=$rc)" [ $rc -eq 0 ]
check "and the snapshot sees it" [ "$before" != "$(snapshot)" ]
check "the config section holds the values given" \
        bash -c 'grep -A2 -x "\[user $1\]" "$2" | tr "\n" " " | grep -qx "\[user $1\] access = dropbox umask = 0027 "' _ $U "$CONF"
check "the keys file holds the key, once" cmp "$W/good.pub" "$KEYS_DIR/$U"
# Text after the user's section (the old fixed-size buffer overflowed on
# it when the section grew) survives an update, as do the section's other
# keys.
{ echo "[group sjt-hostile-after]"; echo "access = readonly"
  for _ in $(seq 1 40); do echo "# a comment line after the user's section, to be kept as it is"; done; } >>"$CONF"
tail -n 42 "$CONF" >"$W/after"
out=$("$CTL" add-user $U --umask 077 --home-base "$BASE" 2>&1); rc=$?
check "updating the umask succeeds (rc=$rc)" [ $rc -eq 0 ]
check "the update kept access and replaced umask" \
        bash -c 'grep -A2 -x "\[user $1\]" "$2" | tr "\n" " " | grep -qx "\[user $1\] umask = 077 access = dropbox "' _ $U "$CONF"
check "the text after the section is unchanged" cmp "$W/after" <(tail -n 42 "$CONF")
before=$(snapshot)
hostile "after provisioning: add-user --umask 700 zeros + 22" add-user $U --umask "$zeros700" --home-base "$BASE"
hostile "after provisioning: remove-user --keep-files twice" remove-user $U --keep-files --keep-files
check "the provisioned state survived the refusals" [ "$before" = "$(snapshot)" ]
out=$("$CTL" remove-user $U 2>&1); rc=$?
check "remove-user succeeds (rc=$rc)" [ $rc -eq 0 ]
check "the section is gone" bash -c '! grep -q "\[user $1\]" "$2"' _ $U "$CONF"
check "and only it" cmp "$W/after" <(tail -n 42 "$CONF")
done_testing
