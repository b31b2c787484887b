// The SDS secrets istio-agent holds for a proxy: `default` (the workload certificate chain and key)
// and `ROOTCA` (the mesh root as a validation context), as inline bytes (istio/istio
// security/pkg/nodeagent/sds/sdsservice.go toEnvoySecret). The config dump's SecretsConfigDump and
// `proxy-config secret` read them from here.
import { TYPE, type ProtoObject } from '../protos.js';
import { SDS_DEFAULT, SDS_ROOTCA } from './tls.js';

/** The PEMs of a workload identity (src/proxy/tls/mesh-identity.ts MeshIdentity). */
export interface WorkloadPems {
  certChain: string;
  privateKey: string;
  rootCert: string;
}

function inlineBytes(pem: string): ProtoObject {
  return { inline_bytes: Buffer.from(pem, 'utf8') };
}

export function workloadSecrets(pems: WorkloadPems): ProtoObject[] {
  return [
    {
      '@type': TYPE.secret,
      name: SDS_DEFAULT,
      tls_certificate: {
        certificate_chain: inlineBytes(pems.certChain),
        private_key: inlineBytes(pems.privateKey),
      },
    },
    {
      '@type': TYPE.secret,
      name: SDS_ROOTCA,
      validation_context: { trusted_ca: inlineBytes(pems.rootCert) },
    },
  ];
}
