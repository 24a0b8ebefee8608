# SPDX-License-Identifier: GPL-2.0-only
#
# Shared by tests/vm/*: where the guest kernel and initramfs pieces live and
# how they are fetched. Sourced, not executed. Every artefact is cached under
# $AGW_VM_DIR (default $BUILD/vm) and rebuilt only when its inputs change.

: "${AGW_SRC:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${BUILD:=$AGW_SRC/build}"
: "${AGW_VM_DIR:=$BUILD/vm}"
# Meta package that names the current Debian kernel; set AGW_VM_KERNEL_PKG
# to a concrete linux-image-*-amd64 package to pin the kernel.
: "${AGW_VM_KERNEL_META:=linux-image-amd64}"

# Kernel modules the guest gets: kTLS and every AEAD it may ask for.
VM_MODULE_DIRS="kernel/net/tls kernel/crypto kernel/arch/x86/crypto kernel/lib/crypto"
VM_MODPROBE="tls gcm ghash-generic aesni-intel ghash-clmulni-intel ccm chacha20poly1305 chacha-x86_64 poly1305-x86_64"

vm_log() { echo "vm: $*" >&2; }
vm_die() { echo "vm: error: $*" >&2; exit 2; }

# Concrete package the meta package points at, e.g. linux-image-6.1.0-56-amd64.
vm_resolve_kernel_pkg() {
	if [ -n "${AGW_VM_KERNEL_PKG:-}" ]; then
		echo "$AGW_VM_KERNEL_PKG"
		return 0
	fi
	apt-cache depends "$AGW_VM_KERNEL_META" 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-image-[0-9].*-amd64\)$/\1/p' | head -n1
}

# Download the kernel .deb into $AGW_VM_DIR/deb unless it is there already.
# Prints the path of the .deb.
vm_fetch_kernel_deb() {
	local pkg deb dir=$AGW_VM_DIR/deb
	mkdir -p "$dir"
	pkg=$(vm_resolve_kernel_pkg)
	if [ -z "$pkg" ] && [ "$(id -u)" -eq 0 ]; then
		vm_log "apt knows no $AGW_VM_KERNEL_META; running apt-get update"
		apt-get update -qq >&2 || true
		pkg=$(vm_resolve_kernel_pkg)
	fi
	if [ -z "$pkg" ]; then
		# Offline with a cache: use the newest kernel already fetched.
		deb=$(ls -1 "$dir"/linux-image-[0-9]*-amd64_*.deb 2>/dev/null | sort -V | tail -n1)
		[ -n "$deb" ] || vm_die "cannot resolve $AGW_VM_KERNEL_META (apt-cache) and no cached kernel in $dir"
		echo "$deb"
		return 0
	fi
	deb=$(ls -1 "$dir/${pkg}"_*.deb 2>/dev/null | sort -V | tail -n1)
	if [ -z "$deb" ]; then
		vm_log "downloading $pkg"
		(cd "$dir" && apt-get download -q "$pkg" >&2 2>/dev/null) ||
			(cd "$dir" && apt-get download "$pkg" >&2) ||
			vm_die "apt-get download $pkg failed"
		deb=$(ls -1 "$dir/${pkg}"_*.deb 2>/dev/null | sort -V | tail -n1)
		[ -n "$deb" ] || vm_die "apt-get download $pkg left no .deb in $dir"
	fi
	echo "$deb"
}

# Unpack the kernel and the module subset the guest needs; sets VM_KVER and
# VM_KDIR ($VM_KDIR/vmlinuz, $VM_KDIR/root/lib/modules/$VM_KVER).
vm_prepare_kernel() {
	local deb base ver tmp d
	deb=$(vm_fetch_kernel_deb) || exit 2
	base=$(basename "$deb" .deb)
	VM_KDIR=$AGW_VM_DIR/kernel/$base
	if [ ! -f "$VM_KDIR/ready" ]; then
		vm_log "unpacking $base"
		rm -rf "$VM_KDIR"
		tmp=$VM_KDIR.tmp.$$
		rm -rf "$tmp"
		mkdir -p "$tmp/x"
		dpkg-deb -x "$deb" "$tmp/x" || vm_die "dpkg-deb -x $deb failed"
		ver=$(ls -1 "$tmp/x/lib/modules" | head -n1)
		[ -n "$ver" ] || vm_die "$deb holds no /lib/modules"
		mkdir -p "$tmp/root/lib/modules/$ver"
		cp "$tmp/x/boot/vmlinuz-$ver" "$tmp/vmlinuz"
		for d in $VM_MODULE_DIRS; do
			[ -d "$tmp/x/lib/modules/$ver/$d" ] || continue
			mkdir -p "$tmp/root/lib/modules/$ver/$(dirname "$d")"
			cp -a "$tmp/x/lib/modules/$ver/$d" "$tmp/root/lib/modules/$ver/$d"
		done
		# tcrypt runs self-tests when loaded: never wanted in the guest.
		find "$tmp/root" -name 'tcrypt.ko*' -delete
		cp "$tmp/x/lib/modules/$ver"/modules.{builtin,builtin.modinfo,order} \
			"$tmp/root/lib/modules/$ver/" 2>/dev/null
		depmod -b "$tmp/root" "$ver" || vm_die "depmod failed"
		rm -rf "$tmp/x"
		echo "$ver" > "$tmp/kver"
		dpkg-deb -f "$deb" Package Version > "$tmp/package"
		touch "$tmp/ready"
		mv "$tmp" "$VM_KDIR"
	fi
	VM_KVER=$(cat "$VM_KDIR/kver")
	# Record which kernel the last run used (for reports and bug hunting).
	sed -n 's/^Package: //p; s/^Version: //p' "$VM_KDIR/package" |
		paste -sd' ' > "$AGW_VM_DIR/kernel.version"
}

# Shared libraries (and the dynamic loader) an ELF file needs, one a line.
vm_elf_libs() {
	ldd "$1" 2>/dev/null | awk '
		$2 == "=>" && $3 ~ /^\// { print $3 }
		$1 ~ /^\// { print $1 }'
}

vm_is_elf() {
	[ -f "$1" ] && [ "$(head -c4 "$1" | od -An -c | tr -d ' ')" = '177ELF' ]
}

# vm_stage_file ROOT SRC [DST]: copy SRC (dereferenced) into ROOT at DST
# (default: the same absolute path) and, for ELF files, the libraries too.
vm_stage_file() {
	local root=$1 src=$2 dst=${3:-$2} lib
	[ -e "$src" ] || vm_die "no such file: $src"
	mkdir -p "$root$(dirname "$dst")"
	if [ -d "$src" ]; then
		mkdir -p "$root$dst"
		cp -aL "$src/." "$root$dst/"
		return 0
	fi
	cp -L "$src" "$root$dst"
	vm_is_elf "$src" || return 0
	for lib in $(vm_elf_libs "$src"); do
		[ -e "$root$lib" ] && continue
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done
}

# Build a newc cpio of directory $1 into file $2 (uncompressed: the guest
# unpacks it faster than it could gunzip under TCG).
vm_cpio() {
	(cd "$1" && find . -mindepth 1 | LC_ALL=C sort |
		cpio --quiet -o -H newc -R 0:0) > "$2.tmp.$$" &&
		mv "$2.tmp.$$" "$2"
}

# Content key of a list of host files: paths, sizes and modification times.
vm_files_key() {
	local f
	for f in "$@"; do
		if [ -d "$f" ]; then
			find -L "$f" -type f -printf '%p %s %T@\n' | LC_ALL=C sort
		else
			stat -L -c '%n %s %Y' "$f" 2>/dev/null || echo "missing $f"
		fi
	done | sha256sum | cut -c1-16
}
