// The API's serving certificate. client-go sends a kubeconfig's bearer token only over TLS
// (k8s.io/client-go tools/clientcmd client_config.go getUserIdentificationPartialConfig; kubernetes/kubectl#744),
// so the Kubernetes API answers TLS on the admin port with a self-signed certificate for the loopback
// names, as kube-apiserver makes one for its loopback client (k8s.io/client-go util/cert
// GenerateSelfSignedCertKey: CA:true, serverAuth, SANs 127.0.0.1 and localhost).
import { generateKeyPairSync } from 'node:crypto';
import forge from 'node-forge';

export interface ServingCert {
  /** PEM certificate (also the CA a kubeconfig names: it is self-signed). */
  cert: string;
  /** PKCS#1 PEM private key. */
  key: string;
}

/** A self-signed serving certificate for 127.0.0.1, ::1 and localhost, valid for a year. */
export function selfSignedServingCert(now: number = Date.now()): ServingCert {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  });
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey);
  cert.serialNumber = `0${now.toString(16)}`;
  cert.validity.notBefore = new Date(now - 60_000);
  cert.validity.notAfter = new Date(now + 365 * 24 * 3600 * 1000);
  const subject = [{ name: 'commonName', value: `switchyard-loopback-${Math.floor(now / 1000)}` }];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    {
      name: 'keyUsage',
      digitalSignature: true,
      keyEncipherment: true,
      keyCertSign: true,
      critical: true,
    },
    { name: 'extKeyUsage', serverAuth: true },
    {
      name: 'subjectAltName',
      altNames: [
        { type: 7, ip: '127.0.0.1' },
        { type: 7, ip: '::1' },
        { type: 2, value: 'localhost' },
      ],
    },
  ]);
  // One signature in forge's JS RSA (~ms); the key pair itself comes from node:crypto.
  cert.sign(forge.pki.privateKeyFromPem(privateKey), forge.md.sha256.create());
  return { cert: forge.pki.certificateToPem(cert), key: privateKey };
}
