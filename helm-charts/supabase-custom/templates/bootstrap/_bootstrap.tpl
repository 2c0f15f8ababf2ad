{{/* Pieces of the bootstrap Job's containers. */}}

{{/* Environment of the AWS CLI containers (IRSA adds AWS_ROLE_ARN and the token file). */}}
{{- define "supabase.bootstrapAwsEnv" -}}
- name: AWS_REGION
  value: {{ .Values.global.awsRegion | quote }}
- name: AWS_DEFAULT_REGION
  value: {{ .Values.global.awsRegion | quote }}
- name: AWS_STS_REGIONAL_ENDPOINTS
  value: regional
- name: AWS_PAGER
  value: ""
# The CLI caches credentials under $HOME; the root filesystem is read-only.
- name: HOME
  value: /tmp
{{- end -}}

{{/* Small, fixed resources (chart constants: the values contract has none for the Job). */}}
{{- define "supabase.bootstrapResources" -}}
requests:
  cpu: 50m
  memory: 128Mi
limits:
  cpu: 500m
  memory: 256Mi
{{- end -}}

{{- define "supabase.bootstrapMounts" -}}
- name: work
  mountPath: /work
- name: tmp
  mountPath: /tmp
{{- end -}}
