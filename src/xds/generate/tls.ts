// Upstream and downstream TLS contexts as istiod writes them: ISTIO_MUTUAL through SDS secrets
// `default` (the workload certificate) and `ROOTCA` served by the agent's `sds-grpc` cluster
// (istio/istio pilot/pkg/model/authentication.go ConstructSdsSecretConfig, pilot/pkg/networking/core/
// cluster_tls.go); SIMPLE/MUTUAL with the files or PEMs the config named.
import type { DownstreamTls, TlsSourceFiles, UpstreamTls } from '../../compile/index.js';
import { TYPE, type ProtoObject } from '../protos.js';

/** Istio's SDS resource names (istio/istio pkg/security/security.go WorkloadKeyCertResourceName, RootCertReqResourceName). */
export const SDS_DEFAULT = 'default';
export const SDS_ROOTCA = 'ROOTCA';

function sdsConfig(name: string): ProtoObject {
  return {
    name,
    sds_config: {
      api_config_source: {
        api_type: 'GRPC',
        set_node_on_first_message_only: true,
        transport_api_version: 'V3',
        grpc_services: [{ envoy_grpc: { cluster_name: 'sds-grpc' } }],
      },
      initial_fetch_timeout: { seconds: 0 },
      resource_api_version: 'V3',
    },
  };
}

/** A DataSource: the file it came from when known (file-based SDS in Istio), else the inline PEM. */
function dataSource(pem: string | undefined, file: string | undefined): ProtoObject | undefined {
  if (file) return { filename: file };
  if (pem) return { inline_string: pem };
  return undefined;
}

function sanMatchers(sans: readonly string[] | undefined): ProtoObject[] {
  return (sans ?? []).map((s) => ({ san_type: 'URI', matcher: { exact: s } }));
}

function certificates(
  certChain: string | undefined,
  privateKey: string | undefined,
  files: TlsSourceFiles | undefined,
): ProtoObject[] {
  const chain = dataSource(certChain, files?.certChain);
  const key = dataSource(privateKey, files?.privateKey);
  return chain && key ? [{ certificate_chain: chain, private_key: key }] : [];
}

/** `outbound_.9080_.v1_.reviews.default.svc.cluster.local` (istio/istio pkg/model BuildDNSSrvSubsetKey). */
export function istioSni(port: number, subset: string, host: string): string {
  return `outbound_.${port}_.${subset}_.${host}`;
}

export function upstreamTlsContext(tls: UpstreamTls, sniFallback: string): ProtoObject {
  if (tls.mode === 'ISTIO_MUTUAL') {
    return {
      '@type': TYPE.upstreamTls,
      common_tls_context: {
        tls_certificate_sds_secret_configs: [sdsConfig(SDS_DEFAULT)],
        combined_validation_context: {
          default_validation_context: {
            match_typed_subject_alt_names: sanMatchers(tls.subjectAltNames),
          },
          validation_context_sds_secret_config: sdsConfig(SDS_ROOTCA),
        },
        // istio/istio pilot/pkg/util/protoconv ALPNInMeshWithMxc: peer metadata exchange + istio.
        alpn_protocols: ['istio-peer-exchange', 'istio'],
      },
      sni: tls.sni ?? sniFallback,
    };
  }
  const ca = dataSource(tls.caCertificates, tls.sourceFiles?.caCertificates);
  return {
    '@type': TYPE.upstreamTls,
    common_tls_context: {
      tls_certificates:
        tls.mode === 'MUTUAL' ? certificates(tls.certChain, tls.privateKey, tls.sourceFiles) : [],
      ...(tls.insecureSkipVerify
        ? {}
        : {
            validation_context: {
              ...(ca ? { trusted_ca: ca } : {}),
              match_typed_subject_alt_names: sanMatchers(tls.subjectAltNames),
            },
          }),
    },
    ...(tls.sni ? { sni: tls.sni } : {}),
  };
}

export function downstreamTlsContext(tls: DownstreamTls): ProtoObject {
  if (tls.mode === 'ISTIO_MUTUAL') {
    return {
      '@type': TYPE.downstreamTls,
      common_tls_context: {
        tls_certificate_sds_secret_configs: [sdsConfig(SDS_DEFAULT)],
        combined_validation_context: {
          default_validation_context: {},
          validation_context_sds_secret_config: sdsConfig(SDS_ROOTCA),
        },
        alpn_protocols: ['h2', 'http/1.1'],
      },
      require_client_certificate: { value: true },
    };
  }
  const mutual = tls.mode === 'MUTUAL' || tls.mode === 'OPTIONAL_MUTUAL';
  const ca = dataSource(tls.caCertificates, tls.sourceFiles?.caCertificates);
  return {
    '@type': TYPE.downstreamTls,
    common_tls_context: {
      tls_certificates: certificates(tls.certChain, tls.privateKey, tls.sourceFiles),
      ...(mutual && ca
        ? {
            validation_context: {
              trusted_ca: ca,
              match_typed_subject_alt_names: sanMatchers(tls.subjectAltNames),
            },
          }
        : {}),
      ...(tls.minProtocolVersion || tls.maxProtocolVersion || tls.cipherSuites
        ? {
            tls_params: {
              ...(tls.minProtocolVersion
                ? { tls_minimum_protocol_version: tlsVersion(tls.minProtocolVersion) }
                : {}),
              ...(tls.maxProtocolVersion
                ? { tls_maximum_protocol_version: tlsVersion(tls.maxProtocolVersion) }
                : {}),
              ...(tls.cipherSuites ? { cipher_suites: tls.cipherSuites } : {}),
            },
          }
        : {}),
      alpn_protocols: ['h2', 'http/1.1'],
    },
    ...(tls.mode === 'MUTUAL' ? { require_client_certificate: { value: true } } : {}),
  };
}

function tlsVersion(v: string): string {
  return (
    { TLSv1: 'TLSv1_0', 'TLSv1.1': 'TLSv1_1', 'TLSv1.2': 'TLSv1_2', 'TLSv1.3': 'TLSv1_3' }[v] ??
    'TLS_AUTO'
  );
}

export function tlsTransportSocket(typedConfig: ProtoObject): ProtoObject {
  return { name: 'envoy.transport_sockets.tls', typed_config: typedConfig };
}
