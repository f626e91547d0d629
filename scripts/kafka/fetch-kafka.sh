#!/usr/bin/env bash
# Assembles the Apache Kafka broker jars (from Maven Central) into scripts/kafka/libs, once.
# Reused on later runs: the folder is complete when its marker file exists.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
libs="$here/libs"
marker="$libs/.complete"
if [ -f "$marker" ] && [ "$(cat "$marker")" = "$(sha256sum "$here/pom.xml" | cut -d' ' -f1)" ]; then
  echo "kafka jars: already in $libs"
  exit 0
fi
command -v mvn >/dev/null || { echo "mvn is not installed (apt-get install maven)" >&2; exit 1; }
rm -rf "$libs"
mvn -q -B -f "$here/pom.xml" package
ls "$libs"/kafka_2.13-*.jar >/dev/null
sha256sum "$here/pom.xml" | cut -d' ' -f1 > "$marker"
echo "kafka jars: $(ls "$libs" | wc -l) files in $libs"
