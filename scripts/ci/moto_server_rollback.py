"""moto_server with CloudFormation execution failures reported the way AWS reports them.

moto 5.x executes a change set synchronously and has no rollback ("TODO: handle execution errors and
implement rollback" in moto/cloudformation/models.py): a resource that fails to create or update makes
ExecuteChangeSet itself answer 500. AWS instead accepts the execution, then the stack ends in
ROLLBACK_COMPLETE / UPDATE_ROLLBACK_COMPLETE with a <ACTION>_FAILED event whose ResourceStatusReason
says why. This wrapper gives moto that behaviour so `deploy`'s failure path (wait, read the failed
events, exit non-zero) is tested against the API shapes it meets on AWS. Nothing else is changed.

Usage: python3 moto_server_rollback.py -H 127.0.0.1 -p PORT   (same arguments as moto_server)
"""

import sys

from moto.cloudformation import models, parsing
from moto.server import main


class ResourceFailure(Exception):
    def __init__(self, logical_id, resource_type, reason):
        super().__init__(reason)
        self.logical_id = logical_id
        self.resource_type = resource_type
        self.reason = reason


def _tagging(original):
    def wrapped(logical_id, resource_json, *args, **kwargs):
        try:
            return original(logical_id, resource_json, *args, **kwargs)
        except ResourceFailure:
            raise
        except Exception as error:  # any moto error while creating/updating this resource
            raise ResourceFailure(logical_id, resource_json.get("Type", "?"), str(error)) from error

    return wrapped


parsing.parse_and_create_resource = _tagging(parsing.parse_and_create_resource)
parsing.parse_and_update_resource = _tagging(parsing.parse_and_update_resource)

_original_execute = models.CloudFormationBackend.execute_change_set


def execute_change_set(self, change_set_name, stack_name=None):
    try:
        return _original_execute(self, change_set_name, stack_name)
    except ResourceFailure as failure:
        change_set = self.change_sets.get(change_set_name) or next(
            cs for cs in self.change_sets.values() if cs.change_set_name == change_set_name
        )
        stack = self.stacks[change_set.stack_id]
        action = "CREATE" if change_set.change_set_type == "CREATE" else "UPDATE"
        stack.events.append(
            models.Event(
                stack_id=stack.stack_id,
                stack_name=stack.name,
                logical_resource_id=failure.logical_id,
                physical_resource_id="",
                resource_type=failure.resource_type,
                resource_status=f"{action}_FAILED",
                resource_status_reason=failure.reason,
                resource_properties=None,
            )
        )
        final = "ROLLBACK_COMPLETE" if action == "CREATE" else "UPDATE_ROLLBACK_COMPLETE"
        stack._add_stack_event(final)
        stack.status = final
        change_set.execution_status = "EXECUTE_FAILED"
        return None


models.CloudFormationBackend.execute_change_set = execute_change_set

if __name__ == "__main__":
    main(sys.argv[1:])
