{{/*
The part every Supabase Deployment shares, up to and including the pod spec's common fields; each
component's template continues with `containers:` and `volumes:` at the pod-spec indentation (6).

Usage:
  include "supabase.deploymentHead" (dict "root" $ "component" "kong" "skips" (list ...)
                                          ["grace" 60] ["podAnnotations" (dict ...)])

skips: checkov skip annotations ("CKV_K8S_xx=reason"), each a deliberate, explained exception.
*/}}
{{- define "supabase.deploymentHead" -}}
{{- $root := .root -}}
{{- $component := .component -}}
{{- $values := index $root.Values $component -}}
{{- $uid := include "supabase.uid" $component -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "supabase.componentName" (list $root $component) }}
  namespace: {{ $root.Release.Namespace }}
  labels:
    {{- include "supabase.componentLabels" (list $root $component) | nindent 4 }}
  {{- with .skips }}
  annotations:
    {{- range $i, $skip := . }}
    checkov.io/skip{{ add1 $i }}: {{ $skip | quote }}
    {{- end }}
  {{- end }}
spec:
  {{- if not $values.autoscaling.enabled }}
  replicas: {{ $values.replicas }}
  {{- end }}
  revisionHistoryLimit: 5
  selector:
    matchLabels:
      {{- include "supabase.selectorLabels" (list $root $component) | nindent 6 }}
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxUnavailable: 0
      maxSurge: 1
  template:
    metadata:
      labels:
        {{- include "supabase.componentLabels" (list $root $component) | nindent 8 }}
      annotations:
        {{- include "supabase.podAnnotations" $root | nindent 8 }}
        {{- with .podAnnotations }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
    spec:
      {{- $sa := include "supabase.serviceAccount" (list $root $component) | fromYaml }}
      serviceAccountName: {{ $sa.name }}
      {{- if $sa.irsa }}
      # IRSA: the pod identity webhook adds the web-identity token volume for this account.
      {{- end }}
      automountServiceAccountToken: {{ $sa.irsa }}
      # No Docker-link style variables (KONG_*-like names would be read as configuration).
      enableServiceLinks: false
      terminationGracePeriodSeconds: {{ .grace | default 30 }}
      securityContext:
        {{- include "supabase.podSecurityContext" $uid | nindent 8 }}
      topologySpreadConstraints:
        {{- include "supabase.topologySpread" (list $root $component) | nindent 8 }}
      {{- with include "supabase.tolerations" $root }}
      {{- . | nindent 6 }}
      {{- end }}
{{- end -}}

{{/* The reasons of the checkov skips the workloads share (see README, "Security exceptions"). */}}
{{- define "supabase.skip.pullPolicy" -}}
CKV_K8S_15=imagePullPolicy IfNotPresent on purpose: every tag is pinned (the generator rejects moving tags), so the cached image is the right one and pod restarts do not depend on the registry
{{- end -}}
{{- define "supabase.skip.digest" -}}
CKV_K8S_43=images are pinned by exact tag from the generated values; the values contract has no digest field yet
{{- end -}}
{{- define "supabase.skip.secretEnv" -}}
CKV_K8S_35=the upstream image reads these settings only from environment variables (no *_FILE variant); the values come from ExternalSecret-managed Secrets, never from the chart
{{- end -}}
{{- define "supabase.skip.uid" -}}
CKV_K8S_40=runs as the non-root UID the image is built for (see _helpers.tpl), not a random high UID; runAsNonRoot, read-only root, no privilege escalation, all capabilities dropped
{{- end -}}
{{- define "supabase.skip.token" -}}
CKV_K8S_38=IRSA: the AWS SDK needs the service account token to assume its IAM role
{{- end -}}
