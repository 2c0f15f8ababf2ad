# Static test of modules/alarms with one environment's values (scripts/static-tests.sh prepends
# that environment's monitoring/terraform.tfvars as the file-level variables block). Offline,
# mocked provider; the inputs the root wires from the other layers' states are set below.

mock_provider "aws" {
  source = "./tests/mocks/aws"
}

override_resource {
  target = aws_sns_topic.alarms
  values = {
    arn = "arn:aws:sns:eu-west-1:123456789012:mock-alarms"
  }
}

override_data {
  target = data.aws_lb.api
  values = {
    arn        = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/mock/0123456789abcdef"
    arn_suffix = "app/mock/0123456789abcdef"
  }
}

override_data {
  target = data.aws_lb_target_group.kong
  values = {
    arn        = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/k8s-supabase-kong/0123456789abcdef"
    arn_suffix = "targetgroup/k8s-supabase-kong/0123456789abcdef"
  }
}

run "alarms" {
  command = apply

  variables {
    kms_key_arn     = "arn:aws:kms:eu-west-1:123456789012:key/00000000-0000-0000-0000-000000000000"
    db_identifier   = "mock-db"
    cluster_name    = "mock-cluster"
    nat_gateway_ids = ["nat-0a000000000000000", "nat-0b000000000000000"]
  }

  assert {
    condition = alltrue([for a in concat([
      aws_cloudwatch_metric_alarm.db_cpu, aws_cloudwatch_metric_alarm.db_freeable_memory, aws_cloudwatch_metric_alarm.db_free_storage,
      aws_cloudwatch_metric_alarm.db_connections, aws_cloudwatch_metric_alarm.db_replication_slot_disk,
      aws_cloudwatch_metric_alarm.db_oldest_replication_slot_lag, aws_cloudwatch_metric_alarm.db_transaction_logs_disk,
      aws_cloudwatch_metric_alarm.db_read_latency, aws_cloudwatch_metric_alarm.db_write_latency, aws_cloudwatch_metric_alarm.alb_5xx,
      aws_cloudwatch_metric_alarm.target_5xx, aws_cloudwatch_metric_alarm.target_response_time_p99,
      aws_cloudwatch_metric_alarm.unhealthy_targets, aws_cloudwatch_metric_alarm.cluster_at_max_nodes,
      ], values(aws_cloudwatch_metric_alarm.nat_port_allocation)) :
      a.alarm_actions == toset([aws_sns_topic.alarms.arn]) && a.ok_actions == toset([aws_sns_topic.alarms.arn])
      && contains(["missing", "notBreaching"], a.treat_missing_data) && length(a.alarm_description) > 40
    ])
    error_message = "Every alarm must notify the topic when it fires and when it clears, with a chosen treat_missing_data and a description."
  }
  assert {
    condition     = length(output.alarm_names) == 14 + length(var.nat_gateway_ids) && length(distinct(output.alarm_names)) == length(output.alarm_names)
    error_message = "The alarms checked above must be all of them (one NAT alarm per gateway), with distinct names."
  }
  assert {
    condition     = aws_cloudwatch_metric_alarm.db_connections.threshold == var.db_connections_max && aws_cloudwatch_metric_alarm.db_connections.dimensions["DBInstanceIdentifier"] == "mock-db"
    error_message = "DatabaseConnections must alarm on this database at the budget-derived count."
  }
  assert {
    # ireland/development: db.t3.small, max_connections 192 by the RDS default formula (what
    # `explain` shows as the connection budget's limit); alarms.db_connections_percent 80.
    condition     = var.name != "supabase-ireland-development" || var.db_connections_max == 153
    error_message = "ireland/development: the DatabaseConnections threshold must be 80% of 192 = 153."
  }
  assert {
    condition     = aws_cloudwatch_metric_alarm.cluster_at_max_nodes.threshold == var.cluster_max_nodes && aws_cloudwatch_metric_alarm.cluster_at_max_nodes.evaluation_periods == var.nodes_at_max_periods && aws_cloudwatch_metric_alarm.cluster_at_max_nodes.namespace == "ContainerInsights"
    error_message = "The node-count alarm must compare Container Insights' cluster_node_count with the node groups' maximum for the configured periods."
  }
  assert {
    condition     = aws_cloudwatch_metric_alarm.unhealthy_targets.dimensions["TargetGroup"] == "targetgroup/k8s-supabase-kong/0123456789abcdef" && aws_cloudwatch_metric_alarm.alb_5xx.threshold == var.alb_5xx_percent
    error_message = "The ALB alarms must address the looked-up load balancer and target group."
  }
  assert {
    condition     = toset(keys(aws_cloudwatch_metric_alarm.nat_port_allocation)) == toset(var.nat_gateway_ids)
    error_message = "One port-allocation alarm per NAT gateway."
  }
  assert {
    condition     = aws_sns_topic.alarms.kms_master_key_id == var.kms_key_arn
    error_message = "The alarm topic must be encrypted with the alarms KMS key."
  }
  assert {
    condition = anytrue([for s in data.aws_iam_policy_document.topic.statement :
      s.effect != "Deny" && toset(s.actions) == toset(["sns:Publish"]) &&
      anytrue([for p in s.principals : p.type == "Service" && toset(p.identifiers) == toset(["cloudwatch.amazonaws.com"])]) &&
      anytrue([for c in s.condition : c.variable == "aws:SourceAccount" && toset(c.values) == toset(["123456789012"])])
    ]) && length([for s in data.aws_iam_policy_document.topic.statement : s if s.effect != "Deny"]) == 1
    error_message = "Only CloudWatch, for alarms of this account, may publish to the topic."
  }
  assert {
    condition     = toset(keys(aws_sns_topic_subscription.email)) == toset(var.alert_emails) && alltrue([for s in values(aws_sns_topic_subscription.email) : s.protocol == "email"]) && length(aws_sns_topic_subscription.https) == length(var.alert_https_endpoints)
    error_message = "One subscription per configured address and endpoint."
  }
}
