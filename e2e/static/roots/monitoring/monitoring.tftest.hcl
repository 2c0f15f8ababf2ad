# Static test of an environment's monitoring root (run in a temp copy of
# out/environments/<region>/<env>/monitoring, whose terraform.tfvars Terraform loads). Offline,
# mocked AWS provider; the networking and core layers' remote states are replaced by stand-in
# outputs, and the load balancer the controller creates by a stand-in.

mock_provider "aws" {
  source = "./tests/mocks/aws"
}

override_data {
  target = data.terraform_remote_state.networking
  values = {
    outputs = {
      nat_gateway_ids = ["nat-0a000000000000000"]
    }
  }
}

override_data {
  target = data.terraform_remote_state.core
  values = {
    outputs = {
      cluster_name  = "stand-in-cluster"
      db_identifier = "stand-in-db"
      kms_key_arns  = { alarms = "arn:aws:kms:eu-west-1:123456789012:key/11111111-1111-1111-1111-111111111111" }
    }
  }
}

override_data {
  target = module.alarms.data.aws_lb.api
  values = {
    arn_suffix = "app/stand-in/0123456789abcdef"
  }
}

override_data {
  target = module.alarms.data.aws_lb_target_group.kong
  values = {
    arn_suffix = "targetgroup/stand-in/0123456789abcdef"
  }
}

override_resource {
  target = module.alarms.aws_sns_topic.alarms
  values = {
    arn = "arn:aws:sns:eu-west-1:123456789012:stand-in-alarms"
  }
}

run "wiring" {
  command = apply

  assert {
    condition     = output.topic_arn != null && output.topic_arn != ""
    error_message = "The monitoring layer must output its alarm topic."
  }
  assert {
    condition     = contains(output.alarm_names, "${var.name}-nat-port-allocation-nat-0a000000000000000") && contains(output.alarm_names, "${var.name}-db-connections")
    error_message = "The alarms must take the NAT gateways from the networking layer's state."
  }
  assert {
    condition     = module.alarms.topic_arn == output.topic_arn
    error_message = "The root must pass the module's topic through."
  }
}
