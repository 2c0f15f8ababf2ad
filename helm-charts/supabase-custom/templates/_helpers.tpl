{{/*
Helpers of the supabase-custom chart. Naming, labels, the per-component facts that are chart
constants (ports, the UID each image runs as, where each image writes), the pieces every pod spec
shares, and the render-time guards.
*/}}

{{/* ------------------------------------------------------------------ names and labels */}}

{{/* Base name of every object: the release name ("supabase" in the runbook). */}}
{{- define "supabase.fullname" -}}
{{- .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- end -}}

{{/* Name of a component's objects. Usage: include "supabase.componentName" (list $ "kong") */}}
{{- define "supabase.componentName" -}}
{{- $root := index . 0 -}}
{{- printf "%s-%s" (include "supabase.fullname" $root) (index . 1) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* A label value from an arbitrary string (image tags may be 128 characters long). */}}
{{- define "supabase.labelValue" -}}
{{- . | trunc 63 | trimSuffix "-" | trimSuffix "_" | trimSuffix "." -}}
{{- end -}}

{{/*
The labels every object carries after name/instance(/component); version is the component's image
tag or the chart's appVersion. Usage: include "supabase.labelsTail" (list $ version)
*/}}
{{- define "supabase.labelsTail" -}}
{{- $root := index . 0 -}}
app.kubernetes.io/part-of: supabase
app.kubernetes.io/managed-by: {{ $root.Release.Service }}
app.kubernetes.io/version: {{ include "supabase.labelValue" (index . 1) | quote }}
helm.sh/chart: {{ printf "%s-%s" $root.Chart.Name $root.Chart.Version | replace "+" "_" | trunc 63 }}
{{- end -}}

{{/* Labels of objects that belong to no single component. */}}
{{- define "supabase.labels" -}}
app.kubernetes.io/name: supabase
app.kubernetes.io/instance: {{ .Release.Name }}
{{ include "supabase.labelsTail" (list . .Chart.AppVersion) }}
{{- end -}}

{{/* Selector labels of a component (immutable on Deployments: no version in them). */}}
{{- define "supabase.selectorLabels" -}}
{{- $root := index . 0 -}}
app.kubernetes.io/name: supabase
app.kubernetes.io/instance: {{ $root.Release.Name }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end -}}

{{/*
Labels of a component's objects; version is the component's image tag.
Usage: include "supabase.componentLabels" (list $ "kong")
*/}}
{{- define "supabase.componentLabels" -}}
{{- $root := index . 0 -}}
{{- $component := index . 1 -}}
{{ include "supabase.selectorLabels" . }}
{{ include "supabase.labelsTail" (list $root (index $root.Values $component).image.tag) }}
{{- end -}}

{{/* Labels of the bootstrap Job's objects (no image of its own: version is the appVersion). */}}
{{- define "supabase.bootstrapLabels" -}}
{{ include "supabase.selectorLabels" (list . "bootstrap") }}
{{ include "supabase.labelsTail" (list . .Chart.AppVersion) }}
{{- end -}}

{{/*
A component's ServiceAccount, as YAML for fromYaml: {name, irsa[, roleArn]}. A component with
values.<component>.serviceAccount (Storage: S3 through IRSA) uses that account and needs its token;
the others get <release>-<component> and run without a token.
Usage: $sa := include "supabase.serviceAccount" (list $ "storage") | fromYaml
*/}}
{{- define "supabase.serviceAccount" -}}
{{- $root := index . 0 -}}
{{- $component := index . 1 -}}
{{- with (index $root.Values $component).serviceAccount -}}
{{- toYaml (dict "name" .name "irsa" true "roleArn" .roleArn) -}}
{{- else -}}
{{- toYaml (dict "name" (include "supabase.componentName" (list $root $component)) "irsa" false) -}}
{{- end -}}
{{- end -}}

{{/* ------------------------------------------------------------------ chart constants */}}

{{/*
The Supabase components, in a fixed order: the required ones, then each optional one its values
enable. Every one is a Deployment with a Service, a ServiceAccount, an optional HPA and PDB, and a
NetworkPolicy.
*/}}
{{- define "supabase.components" -}}
kong postgrest gotrue realtime storage meta studio
{{- if .Values.imgproxy.enabled }} imgproxy{{ end }}
{{- if .Values.pooler.enabled }} pooler{{ end }}
{{- if .Values.functions.enabled }} functions{{ end }}
{{- end -}}

{{/* Main port of each component (its Service's first port): the one place these numbers live. */}}
{{- define "supabase.port" -}}
{{- $ports := dict "kong" 8000 "postgrest" 3000 "gotrue" 9999 "realtime" 4000 "storage" 5000 "meta" 8080 "studio" 3000 "imgproxy" 8080 "pooler" 4000 "functions" 9000 -}}
{{- index $ports . -}}
{{- end -}}

{{/* In-cluster URL of a component's Service. Usage: include "supabase.serviceUrl" (list $ "kong") */}}
{{- define "supabase.serviceUrl" -}}
{{- printf "http://%s:%s" (include "supabase.componentName" .) (include "supabase.port" (index . 1)) -}}
{{- end -}}

{{/* Secondary ports (chart constants). */}}
{{- define "supabase.kongStatusPort" -}}8100{{- end -}}
{{/* Supavisor's client listeners (its defaults): transaction and session mode. */}}
{{- define "supabase.poolerTransactionPort" -}}6543{{- end -}}
{{- define "supabase.poolerSessionPort" -}}5432{{- end -}}
{{- define "supabase.postgrestAdminPort" -}}3001{{- end -}}
{{- define "supabase.realtimeEpmdPort" -}}4369{{- end -}}
{{/* Erlang distribution: pinned to one port (ERL_AFLAGS) so NetworkPolicies can name it. */}}
{{- define "supabase.realtimeDistPort" -}}9100{{- end -}}
{{/* gen_rpc's TCP server port (Realtime's default), used between Realtime nodes. */}}
{{- define "supabase.realtimeGenRpcPort" -}}5369{{- end -}}

{{/*
The non-root UID (= GID) each image is built to run as:
  kong      1001  user `kong` of the official image (Ubuntu 24.04 base: 1000 is `ubuntu`)
  postgrest 1000  the image config sets User=1000 (static binary, no passwd file)
  gotrue    1000  user `supabase` (adduser -u 1000) of supabase/auth
  realtime 65534  `nobody`, which owns /app. The image's run.sh would switch to it with
                  `sudo -E -u nobody`, which cannot work without privilege escalation: the pod
                  runs as nobody from the start and the chart runs run.sh's steps itself
                  (templates/realtime/deployment.yaml)
  storage   1000  user `node` of the node:alpine base
  meta      1000  user `node` of the node base
  studio    1000  user `node` of the node:22-slim base
  imgproxy   999  user `imgproxy` (useradd -r -u 999; imgproxy/imgproxy@v3.30.1:docker/Dockerfile)
  pooler   65534  `nobody`: the image sets no USER (it would run as root) and chowns /app to
                  nobody (supabase/supavisor@v2.7.4:Dockerfile)
  functions 65532 the image sets no USER (supabase/edge-runtime@v1.70.3:Dockerfile); the runtime
                  needs only its binary (world-executable) and writable /tmp (DENO_DIR, HOME)
*/}}
{{- define "supabase.uid" -}}
{{- $uids := dict "kong" 1001 "postgrest" 1000 "gotrue" 1000 "realtime" 65534 "storage" 1000 "meta" 1000 "studio" 1000 "imgproxy" 999 "pooler" 65534 "functions" 65532 "bootstrap" 65532 -}}
{{- index $uids . -}}
{{- end -}}

{{/* Cluster DNS domain (EKS default); used for the Realtime headless Service FQDN. */}}
{{- define "supabase.clusterDomain" -}}cluster.local{{- end -}}

{{/* Where the RDS CA bundle is mounted in every pod that talks to the database. */}}
{{- define "supabase.caDir" -}}/etc/supabase/rds-ca{{- end -}}
{{- define "supabase.caFile" -}}/etc/supabase/rds-ca/ca.pem{{- end -}}

{{/* Names of the Kubernetes Secrets the ExternalSecrets write. */}}
{{- define "supabase.secret.dbConnection" -}}{{ include "supabase.fullname" . }}-db-connection{{- end -}}
{{- define "supabase.secret.jwt" -}}{{ include "supabase.fullname" . }}-jwt{{- end -}}
{{- define "supabase.secret.jwtKeys" -}}{{ include "supabase.fullname" . }}-jwt-keys{{- end -}}
{{- define "supabase.secret.jwks" -}}{{ include "supabase.fullname" . }}-jwks{{- end -}}
{{- define "supabase.secret.dbPasswords" -}}{{ include "supabase.fullname" . }}-db-passwords{{- end -}}
{{- define "supabase.secret.realtime" -}}{{ include "supabase.fullname" . }}-realtime{{- end -}}
{{- define "supabase.secret.meta" -}}{{ include "supabase.fullname" . }}-meta{{- end -}}
{{- define "supabase.secret.pooler" -}}{{ include "supabase.fullname" . }}-pooler{{- end -}}
{{- define "supabase.secret.functions" -}}{{ include "supabase.fullname" . }}-function-secrets{{- end -}}
{{- define "supabase.secret.smtp" -}}{{ include "supabase.fullname" . }}-smtp{{- end -}}
{{- define "supabase.secret.kongConfig" -}}{{ include "supabase.fullname" . }}-kong-config{{- end -}}
{{- define "supabase.caConfigMap" -}}{{ include "supabase.fullname" . }}-rds-ca{{- end -}}

{{/*
An ExternalSecret from the SecretStore into the Secret of the same name.
Usage: include "supabase.externalSecret" (dict "root" $ "name" "..." "labels" (include ...)
         "data" (list (list secretKey remoteKey property) ...) ["templateData" (dict "file" content)])
property "" takes the whole remote secret; templateData makes External Secrets (template engine
v2) write those files instead of the raw keys.
*/}}
{{- define "supabase.externalSecret" -}}
{{- $secrets := .root.Values.secrets -}}
apiVersion: external-secrets.io/v1
kind: ExternalSecret
metadata:
  name: {{ .name }}
  namespace: {{ .root.Release.Namespace }}
  labels:
    {{- .labels | nindent 4 }}
spec:
  refreshInterval: {{ $secrets.refreshInterval | quote }}
  secretStoreRef:
    kind: SecretStore
    name: {{ $secrets.storeName }}
  target:
    name: {{ .name }}
    creationPolicy: Owner
    deletionPolicy: Retain
    {{- with .templateData }}
    template:
      engineVersion: v2
      mergePolicy: Replace
      data:
        {{- range $file, $content := . }}
        {{ $file }}: |
          {{- $content | nindent 10 }}
        {{- end }}
    {{- end }}
  data:
    {{- range .data }}
    - secretKey: {{ index . 0 }}
      remoteRef:
        key: {{ index . 1 | quote }}
        {{- if index . 2 }}
        property: {{ index . 2 }}
        {{- end }}
    {{- end }}
{{- end -}}

{{/* ------------------------------------------------------------------ scaling */}}

{{/* Fewest replicas a component runs with (HPA minimum, or the fixed count). */}}
{{- define "supabase.minReplicas" -}}
{{- $v := index .root.Values .component -}}
{{- if $v.autoscaling.enabled -}}{{ $v.autoscaling.minReplicas }}{{- else -}}{{ $v.replicas }}{{- end -}}
{{- end -}}

{{/* Most replicas a component can run with (HPA maximum, or the fixed count). */}}
{{- define "supabase.maxReplicas" -}}
{{- $v := index .root.Values .component -}}
{{- if $v.autoscaling.enabled -}}{{ $v.autoscaling.maxReplicas }}{{- else -}}{{ $v.replicas }}{{- end -}}
{{- end -}}

{{/* "true" when Realtime can run more than one node and so needs Erlang clustering. */}}
{{- define "supabase.realtimeClustered" -}}
{{- if gt (int (include "supabase.maxReplicas" (dict "root" . "component" "realtime"))) 1 -}}true{{- end -}}
{{- end -}}

{{/* ------------------------------------------------------------------ pod spec pieces */}}

{{/* imagePullPolicy of every container: tags are pinned, so a cached image is the right one. */}}
{{- define "supabase.pullPolicy" -}}IfNotPresent{{- end -}}

{{/* image reference of a component. */}}
{{- define "supabase.image" -}}
{{- printf "%s:%s" .repository .tag -}}
{{- end -}}

{{/* Pod-level securityContext for a UID. */}}
{{- define "supabase.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ . }}
runAsGroup: {{ . }}
fsGroup: {{ . }}
fsGroupChangePolicy: OnRootMismatch
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/* Container-level securityContext for a UID. */}}
{{- define "supabase.containerSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ . }}
runAsGroup: {{ . }}
privileged: false
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities:
  drop:
    - ALL
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/* Spread a component's pods over zones and nodes (best effort). */}}
{{- define "supabase.topologySpread" -}}
- maxSkew: 1
  topologyKey: topology.kubernetes.io/zone
  whenUnsatisfiable: ScheduleAnyway
  labelSelector:
    matchLabels:
      {{- include "supabase.selectorLabels" . | nindent 6 }}
  matchLabelKeys:
    - pod-template-hash
- maxSkew: 1
  topologyKey: kubernetes.io/hostname
  whenUnsatisfiable: ScheduleAnyway
  labelSelector:
    matchLabels:
      {{- include "supabase.selectorLabels" . | nindent 6 }}
  matchLabelKeys:
    - pod-template-hash
{{- end -}}

{{/* Tolerations of the stateless Supabase pods. */}}
{{- define "supabase.tolerations" -}}
{{- if .Values.global.tolerateSpot -}}
tolerations:
  - key: spot
    operator: Equal
    value: "true"
    effect: NoSchedule
{{- end -}}
{{- end -}}

{{/* Resources of a component, straight from values. */}}
{{- define "supabase.resources" -}}
requests:
  cpu: {{ .resources.requests.cpu | quote }}
  memory: {{ .resources.requests.memory | quote }}
limits:
  cpu: {{ .resources.limits.cpu | quote }}
  memory: {{ .resources.limits.memory | quote }}
{{- end -}}

{{/* The CA bundle volume (pods) and its read-only mount (containers). */}}
{{- define "supabase.caVolume" -}}
- name: rds-ca
  configMap:
    name: {{ include "supabase.caConfigMap" . }}
    defaultMode: 0444
    items:
      - key: ca.pem
        path: ca.pem
{{- end -}}
{{- define "supabase.caVolumeMount" -}}
- name: rds-ca
  mountPath: {{ include "supabase.caDir" . }}
  readOnly: true
{{- end -}}

{{/*
Pod template annotations: restart pods when the CA bundle changes (the Secrets that the
ExternalSecrets manage change outside Helm: see the README for rotation).
*/}}
{{- define "supabase.podAnnotations" -}}
checksum/rds-ca: {{ include "supabase.caBundle" . | sha256sum }}
{{- end -}}

{{/*
Database connection env vars from the db-connection Secret, under the names a component wants.
Usage: include "supabase.dbEnv" (dict "root" $ "host" "DB_HOST" "port" "DB_PORT" "name" "DB_NAME")
*/}}
{{- define "supabase.dbEnv" -}}
- name: {{ .host }}
  valueFrom:
    secretKeyRef:
      name: {{ include "supabase.secret.dbConnection" .root }}
      key: host
- name: {{ .port }}
  valueFrom:
    secretKeyRef:
      name: {{ include "supabase.secret.dbConnection" .root }}
      key: port
- name: {{ .name }}
  valueFrom:
    secretKeyRef:
      name: {{ include "supabase.secret.dbConnection" .root }}
      key: dbname
{{- end -}}

{{/* One env var from a Secret key. Usage: include "supabase.secretEnv" (list "NAME" "secret" "key") */}}
{{- define "supabase.secretEnv" -}}
- name: {{ index . 0 }}
  valueFrom:
    secretKeyRef:
      name: {{ index . 1 }}
      key: {{ index . 2 }}
{{- end -}}

{{/* ------------------------------------------------------------------ guards */}}

{{/*
The RDS CA bundle, or a failure that says how to pass it. Every template that uses the bundle goes
through here, so a missing bundle always fails with this message.
*/}}
{{- define "supabase.caBundle" -}}
{{- $bundle := required (printf "\n\ndatabase.caBundle is required: the PEM bundle of the RDS certificate authorities, which every service uses to verify the database (sslmode %s).\nDownload it and pass it at install time:\n  curl -fsS --proto '=https' -o global-bundle.pem https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem\n  helm upgrade --install ... --set-file database.caBundle=global-bundle.pem\n" .Values.database.sslMode) .Values.database.caBundle -}}
{{- if not (contains "-----BEGIN CERTIFICATE-----" $bundle) -}}
{{- fail "\n\ndatabase.caBundle does not contain a PEM certificate (-----BEGIN CERTIFICATE-----)." -}}
{{- end -}}
{{- $bundle -}}
{{- end -}}

{{/*
Fails rendering with a clear message when a prerequisite is missing. Included once, from
templates/validate.yaml.
*/}}
{{- define "supabase.validate" -}}
{{- /* The External Secrets CRDs must exist before this chart is installed. `helm lint` cannot be
       told about CRDs (no --api-versions) and renders with neither IsInstall nor IsUpgrade set, so
       the check is skipped there (lint would only log it anyway: in lint mode Helm logs `fail` and
       `required` instead of failing); `helm install/upgrade/template` always run it. */ -}}
{{- if or .Release.IsInstall .Release.IsUpgrade -}}
{{- if not (.Capabilities.APIVersions.Has "external-secrets.io/v1/ExternalSecret") -}}
{{- fail (printf "\n\nThe cluster does not serve external-secrets.io/v1 ExternalSecret.\nInstall External Secrets (chart 1.2.1, which brings its CRDs) with --wait BEFORE this chart; see the README, section \"Install order\".\nWith `helm template`, pass --api-versions external-secrets.io/v1/ExternalSecret --api-versions external-secrets.io/v1/SecretStore.\n(environment %s)" .Values.global.environment) -}}
{{- end -}}
{{- if not (.Capabilities.APIVersions.Has "external-secrets.io/v1/SecretStore") -}}
{{- fail (printf "\n\nThe cluster does not serve external-secrets.io/v1 SecretStore. Install External Secrets 1.2.1 first (README, \"Install order\").\n(environment %s)" .Values.global.environment) -}}
{{- end -}}
{{- end -}}
{{- $_ := include "supabase.caBundle" . -}}
{{- range .Values.global.corsAllowedOrigins -}}
{{- if or (eq . "*") (contains "*" .) -}}
{{- fail (printf "\n\nglobal.corsAllowedOrigins contains %q: wildcards are refused (Kong answers with credentials allowed)." .) -}}
{{- end -}}
{{- end -}}
{{- range $component := splitList " " (include "supabase.components" .) -}}
{{- $a := (index $.Values $component).autoscaling -}}
{{- if and $a.enabled (gt (int $a.minReplicas) (int $a.maxReplicas)) -}}
{{- fail (printf "\n\n%s.autoscaling.minReplicas (%d) is greater than maxReplicas (%d)." $component (int $a.minReplicas) (int $a.maxReplicas)) -}}
{{- end -}}
{{- end -}}
{{- if and .Values.networkPolicy.enabled (empty .Values.networkPolicy.databaseCidrs) -}}
{{- fail "\n\nnetworkPolicy.databaseCidrs is empty: with NetworkPolicies on, no pod could reach the database." -}}
{{- end -}}
{{- if and .Values.networkPolicy.enabled (empty .Values.networkPolicy.loadBalancerCidrs) -}}
{{- fail "\n\nnetworkPolicy.loadBalancerCidrs is empty: with NetworkPolicies on, the load balancer could not reach Kong." -}}
{{- end -}}
{{- if and .Values.ingress.accessLogs.enabled (empty .Values.ingress.accessLogs.bucket) -}}
{{- fail "\n\ningress.accessLogs.enabled is true but ingress.accessLogs.bucket is empty." -}}
{{- end -}}
{{- if ne .Release.Namespace "supabase" -}}
{{- fail (printf "\n\nThis release must be installed into namespace \"supabase\" (got %q): the IAM roles of the service accounts trust exactly system:serviceaccount:supabase:<name>." .Release.Namespace) -}}
{{- end -}}
{{- end -}}
