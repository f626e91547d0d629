import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** PEM files made by {@link makeTestCertificates}, all in the given folder. */
export interface TestCertificates {
  /** The test CA (certificate and key). */
  ca: string;
  caKey: string;
  /** An unrelated self-signed CA: a client trusting only it must refuse the server. */
  rogueCa: string;
  /** The server's certificate (CN and IP SAN 127.0.0.1, signed by the CA) and key. */
  serverCert: string;
  serverKey: string;
  /** A client certificate (CN driftwatch, signed by the CA) and key, for mutual TLS. */
  clientCert: string;
  clientKey: string;
  /** A line from the middle of the client key's base64 body: it must never appear in a log line. */
  clientKeyFragment: string;
}

/**
 * A CA, a server certificate for IP 127.0.0.1, a client certificate, and an unrelated CA, made with
 * openssl in `dir` (2-day validity, unencrypted PKCS#8 keys). Shared by the Kafka and Redis security
 * tests; `server` names the server files (`<server>.crt`, `<server>.key`).
 */
export function makeTestCertificates(dir: string, server = 'server'): TestCertificates {
  const openssl = (args: string[]): void => {
    const r = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`openssl ${args.join(' ')} failed: ${r.stderr}`);
  };
  writeFileSync(join(dir, `${server}.ext`), 'subjectAltName=IP:127.0.0.1\n');
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=driftwatch-test-ca']);
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'rogue.key', '-out', 'rogue.pem', '-days', '2', '-subj', '/CN=driftwatch-rogue-ca']);
  for (const [name, ext] of [[server, ['-extfile', `${server}.ext`]], ['client', []]] as const) {
    openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name === server ? '127.0.0.1' : 'driftwatch'}`]);
    openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.crt`, '-days', '2', ...ext]);
  }
  const keyLines = readFileSync(join(dir, 'client.key'), 'utf8').split('\n').filter((l) => l.length > 0 && !l.startsWith('-----'));
  return {
    ca: join(dir, 'ca.pem'),
    caKey: join(dir, 'ca.key'),
    rogueCa: join(dir, 'rogue.pem'),
    serverCert: join(dir, `${server}.crt`),
    serverKey: join(dir, `${server}.key`),
    clientCert: join(dir, 'client.crt'),
    clientKey: join(dir, 'client.key'),
    clientKeyFragment: keyLines[Math.floor(keyLines.length / 2)]!,
  };
}
