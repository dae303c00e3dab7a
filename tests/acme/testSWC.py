#
#	testSWC.py
#
#	License: BSD 3-Clause License.
#
#	Tests for the <softwareCampaign> resource (type 67, m2m:swc) of acme-swc-plugin and its
#	campaign procedure, written for ACME's own test runner: copy this file into the tests/
#	folder of ACME's repository and run "python runTests.py testSWC" there.
#
#	The CSE under test is ACME's usual IN-CSE for the test suite (cse-in, id-in, CAdmin,
#	Upper Tester endpoint on) with the campaign plugin AND the simulated device agent
#	loaded ("acme-swc init DIR --agent"). This module cannot read the CSE's acme.ini, so the
#	CSE must be started with these [plugin.swc] settings:
#
#		targetTimeout = 5			must equal swcTargetTimeout below
#		agentDelay = 0.3			any value up to swcAgentDelayMax below
#		agentMode = simulate		(default) the device agent simulates the devices
#		agentFailureRate = 0.0		(default) only nodes labelled swcsim:fail fail
#		checkConflicts = true		(default)
#		startDelay = 0				(default)
#		deleteSoftwareOnDelete = false	(default)
#
#	See docs/acme-test-suite.md of acme-swc-plugin for the whole configuration.
#

import unittest, sys
from typing import Callable
if '..' not in sys.path:
	sys.path.append('..')
from acmecse.etc.Types import ResourceTypes as T, ResponseStatusCode as RC, Permission
from acmecse.etc.Types import EvalCriteriaOperator
from init import *


#	Settings of the CSE under test (see above)
swcTargetTimeout	= 5.0		# [plugin.swc] targetTimeout, seconds
swcAgentDelayMax	= 1.0		# largest [plugin.swc] agentDelay these tests allow for, seconds
swcRunTimeout		= 10.0		# seconds a campaign over a few healthy nodes may take to finish
swcQuietTime		= 2.0		# seconds a campaign that must not start is watched

#	Provisional protocol values of acme-swc-plugin (its init/softwareCampaign.rtp and .ep).
#	The CSE defines them; this suite talks to it over the wire only, so it states them here.
#	tests/unit/test_acme_suite.py of acme-swc-plugin checks that they agree with the plugin.
SWC 				= 67		# resource type <softwareCampaign>, m2m:swc

swopINSTALL			= 1			# m2m:softwareOperation
swopUNINSTALL		= 2
swopACTIVATE		= 3
swopDEACTIVATE		= 4

swstNOT_YET_STARTED	= 1			# m2m:softwareStatus
swstIN_PROGRESS		= 2
swstINSTALLED		= 3
swstUNINSTALLED		= 4
swstACTIVATED		= 5
swstDEACTIVATED		= 6
swstERROR			= 7

swstUnfinished		= ( swstNOT_YET_STARTED, swstIN_PROGRESS )

#	Resource names of this suite
swcRN				= 'testSWC'
swcURL				= f'{cseURL}/{swcRN}'
swcACPRN			= 'testSWCACP'
swcNodRN			= 'testSWCNOD'		# nodes are named testSWCNOD<n>
swcFlagRN			= 'testSWCFlag'		# trigger subjects are containers testSWCFlag<n> of the AE
swcPackageURL		= 'http://127.0.0.1/packages/thermostat.tar.gz'


class TestSWC(unittest.TestCase):

	ae 			= None
	aeRI		= None
	originator 	= None
	swcRI		= None						# ri of the campaign swcRN
	acpRI		= None
	nodes:dict[str, str] = {}				# node name -> SP-relative ID of the <node>
	flags:dict[str, str] = {}				# flag name -> SP-relative ID of the <container>
	campaigns:list[str] = []				# resource names of all campaigns created
	swlk:list[str] = []						# [software] of the campaign swcRN
	schRI		= None


	@classmethod
	@unittest.skipIf(noCSE, 'No CSEBase')
	def setUpClass(cls) -> None:
		testCaseStart('Setup TestSWC')

		# The application that creates the campaigns: an ordinary AE, not the admin
		dct = 	{ 'm2m:ae' : {
					'rn'  : aeRN, 
					'api' : APPID,
				 	'rr'  : False,
				 	'srv' : [ RELEASEVERSION ]
				}}
		cls.ae, rsc = CREATE(cseURL, 'C', T.AE, dct)
		assert rsc == RC.CREATED, 'cannot create parent AE'
		cls.originator = findXPath(cls.ae, 'm2m:ae/aei')
		cls.aeRI = findXPath(cls.ae, 'm2m:ae/ri')

		# The operator lets the AE manage the <node>s of this suite
		dct = 	{ 'm2m:acp' : {
					'rn' : swcACPRN,
					'pv' : { 'acr' : [ { 'acor' : [ cls.originator ], 'acop' : Permission.ALL } ] },
					'pvs': { 'acr' : [ { 'acor' : [ ORIGINATOR ], 'acop' : Permission.ALL } ] },
				}}
		r, rsc = CREATE(cseURL, ORIGINATOR, T.ACP, dct)
		assert rsc == RC.CREATED, r
		cls.acpRI = findXPath(r, 'm2m:acp/ri')

		# The devices. Labels of a node steer the simulated device agent.
		cls.nodes = {}
		for name, labels in (	( 'ok1', [] ),
								( 'ok2', [] ),
								( 'ok3', [] ),
								( 'fail', [ 'swcsim:fail' ] ),
								( 'silent', [ 'swcsim:silent' ] ) ):
			rn = f'{swcNodRN}{name}'
			dct = 	{ 'm2m:nod' : { 
						'rn'	: rn,
						'ni'	: f'urn:testswc:{name}',
						'acpi'	: [ cls.acpRI ],
					}}
			if labels:
				dct['m2m:nod']['lbl'] = labels
			r, rsc = CREATE(cseURL, ORIGINATOR, T.NOD, dct)
			assert rsc == RC.CREATED, r
			cls.nodes[name] = toSPRelative(findXPath(r, 'm2m:nod/ri'))

		# Trigger subjects: containers of the AE whose "mni" a criterion compares
		cls.flags = {}
		for name in ( 'trigger', 'schedule' ):
			dct = 	{ 'm2m:cnt' : { 
						'rn'  : f'{swcFlagRN}{name}',
						'mni' : 1,
					}}
			r, rsc = CREATE(aeURL, cls.originator, T.CNT, dct)
			assert rsc == RC.CREATED, r
			cls.flags[name] = toSPRelative(findXPath(r, 'm2m:cnt/ri'))

		cls.campaigns = []
		testCaseEnd('Setup TestSWC')


	@classmethod
	@unittest.skipIf(noCSE, 'No CSEBase')
	def tearDownClass(cls) -> None:
		if not isTearDownEnabled():
			return
		testCaseStart('TearDown TestSWC')
		# Campaigns live under the CSEBase, not under the AE: delete each of them.
		# Ignore whether they exist or not.
		for rn in cls.campaigns:
			DELETE(f'{cseURL}/{rn}', ORIGINATOR)
		for name in cls.nodes:
			DELETE(f'{cseURL}/{swcNodRN}{name}', ORIGINATOR)	# with their [software]
		DELETE(f'{cseURL}/{swcACPRN}', ORIGINATOR)
		DELETE(aeURL, ORIGINATOR)	# with the trigger containers
		testCaseEnd('TearDown TestSWC')


	def setUp(self) -> None:
		testCaseStart(self._testMethodName)
	

	def tearDown(self) -> None:
		testCaseEnd(self._testMethodName)


	#########################################################################
	#
	#	Helpers
	#

	def _campaignDct(self, rn:str, targets:list[str], **attributes:Any) -> JSON:
		"""	Return a complete <softwareCampaign> body; *attributes* add to or replace its attributes. """
		dct = 	{ 'm2m:swc' : {
					'rn'	: rn,
					'swvr'	: '1.0',
					'swnm'	: f'{rn}App',		# one software name per campaign: no conflicts between tests
					'swur'	: swcPackageURL,
					'swtg'	: targets,
					'swop'	: swopINSTALL,
				}}
		dct['m2m:swc'].update(attributes)
		return dct


	def _createCampaign(self, dct:JSON) -> JSON:
		"""	Create the campaign as the AE, remember it for the tear-down, and return the response. """
		r, rsc = CREATE(cseURL, TestSWC.originator, SWC, dct)
		self.assertEqual(rsc, RC.CREATED, r)
		TestSWC.campaigns.append(findXPath(r, 'm2m:swc/rn'))
		return r


	def _retrieveCampaign(self, rn:str) -> JSON:
		r, rsc = RETRIEVE(f'{cseURL}/{rn}', TestSWC.originator)
		self.assertEqual(rsc, RC.OK, r)
		return r


	def _waitForCampaign(self, rn:str, condition:Callable[[JSON], bool], timeout:float) -> JSON:
		"""	Retrieve the campaign until *condition* holds for it, at most *timeout* seconds.
			Return the last campaign retrieved; the caller asserts what it expects of it.
		"""
		deadline = time.monotonic() + timeout
		while not condition(r := self._retrieveCampaign(rn)) and time.monotonic() < deadline:
			testSleep(0.25)
		return r


	def _waitFinished(self, rn:str, timeout:float = swcRunTimeout) -> JSON:
		return self._waitForCampaign(rn, lambda r: findXPath(r, 'm2m:swc/agss') not in swstUnfinished, timeout)


	def _assertNotStarted(self, rn:str) -> None:
		"""	Watch the campaign for swcQuietTime seconds: it must stay NOT_YET_STARTED without [software]. """
		deadline = time.monotonic() + swcQuietTime
		while time.monotonic() < deadline:
			r = self._retrieveCampaign(rn)
			self.assertEqual(findXPath(r, 'm2m:swc/agss'), swstNOT_YET_STARTED, r)
			self.assertEqual(findXPath(r, 'm2m:swc/swlk'), [], r)
			testSleep(0.25)


	def _criterion(self, flag:str, threshold:int = 100) -> JSON:
		"""	A trigger criterion that holds when the flag container's "mni" is at least *threshold*. """
		return	{ 'sri' : TestSWC.flags[flag],
				  'evc' : {
					'sbjt' : 'mni',
					'optr' : EvalCriteriaOperator.greaterThanEqual,
					'thld' : threshold
				}}


	def _raiseFlag(self, flag:str, value:int) -> None:
		r, rsc = UPDATE(f'{aeURL}/{swcFlagRN}{flag}', TestSWC.originator, { 'm2m:cnt' : { 'mni' : value }})
		self.assertEqual(rsc, RC.UPDATED, r)


	def _statuses(self, r:JSON) -> list[int]:
		return findXPath(r, 'm2m:swc/inss/{}/swst')


	#########################################################################
	#
	#	CREATE rules
	#

	@unittest.skipIf(noCSE, 'No CSEBase')
	def test_createSWCMissingMandatoryFail(self) -> None:
		"""	CREATE <SWC> without each of the mandatory attributes -> Fail """
		self.assertIsNotNone(TestSWC.ae)
		for attribute in ( 'swvr', 'swnm', 'swur', 'swtg', 'swop' ):
			dct = self._campaignDct(f'{swcRN}Missing', [ TestSWC.nodes['ok1'] ])
			del dct['m2m:swc'][attribute]
			r, rsc = CREATE(cseURL, TestSWC.originator, SWC, dct)
			self.assertEqual(rsc, RC.BAD_REQUEST, f'{attribute}: {r}')


	@unittest.skipIf(noCSE, 'No CSEBase')
	def test_createSWCWithCSESetAttributesFail(self) -> None:
		"""	CREATE <SWC> with an attribute only the CSE sets (swlk, agss, inss) -> Fail """
		node = TestSWC.nodes['ok1']
		for attribute, value in (	( 'swlk', [] ),
									( 'agss', swstNOT_YET_STARTED ),
									( 'inss', [ { 'tgt' : node, 'swst' : swstNOT_YET_STARTED } ] ) ):
			dct = self._campaignDct(f'{swcRN}CSESet', [ node ], **{ attribute : value })
			r, rsc = CREATE(cseURL, TestSWC.originator, SWC, dct)
			self.assertEqual(rsc, RC.BAD_REQUEST, f'{attribute}: {r}')


	@unittest.skipIf(noCSE, 'No CSEBase')
	def test_createSWCInvalidTargetsFail(self) -> None:
		"""	CREATE <SWC> with no target, a duplicate target or a target that is no <node> -> Fail """
		node = TestSWC.nodes['ok1']
		for targets in ( [], [ node, node ], [ toSPRelative(TestSWC.aeRI) ] ):
			r, rsc = CREATE(cseURL, TestSWC.originator, SWC, self._campaignDct(f'{swcRN}Targets', targets))
			self.assertEqual(rsc, RC.BAD_REQUEST, f'{targets}: {r}')


	@unittest.skipIf(noCSE, 'No CSEBase')
	def test_createSWCInvalidURLFail(self) -> None:
		"""	CREATE <SWC> with a software URL that is not absolute -> Fail """
		dct = self._campaignDct(f'{swcRN}URL', [ TestSWC.nodes['ok1'] ], swur = 'packages/thermostat.tar.gz')
		r, rsc = CREATE(cseURL, TestSWC.originator, SWC, dct)
		self.assertEqual(rsc, RC.BAD_REQUEST, r)


	@unittest.skipIf(noCSE, 'No CSEBase')
	def test_createSWC(self) -> None:
		"""	CREATE <SWC> by an AE, waiting for a trigger criterion -> NOT_YET_STARTED """
		targets = [ TestSWC.nodes['ok1'], TestSWC.nodes['ok2'] ]
		r = self._createCampaign(self._campaignDct(swcRN, targets, swtc = [ self._criterion('trigger') ]))
		TestSWC.swcRI = findXPath(r, 'm2m:swc/ri')
		self.assertEqual(findXPath(r, 'm2m:swc/ty'), SWC)
		self.assertEqual(findXPath(r, 'm2m:swc/rn'), swcRN)
		self.assertEqual(findXPath(r, 'm2m:swc/swtg'), targets)
		self.assertEqual(findXPath(r, 'm2m:swc/agss'), swstNOT_YET_STARTED)
		self.assertEqual(findXPath(r, 'm2m:swc/swlk'), [])
		self.assertEqual(findXPath(r, 'm2m:swc/inss/{}/tgt'), targets)
		self.assertEqual(self._statuses(r), [ swstNOT_YET_STARTED ] * 2)


	@unittest.skipIf(noCSE, 'No CSEBase')
	def test_retrieveSWC(self) -> None:
		"""	RETRIEVE <SWC> by its creator """
		r = self._retrieveCampaign(swcRN)
		self.assertEqual(findXPath(r, 'm2m:swc/ty'), SWC)
		self.assertEqual(findXPath(r, 'm2m:swc/swvr'), '1.0')
		self.assertEqual(findXPath(r, 'm2m:swc/swop'), swopINSTALL)
		self.assertEqual(findXPath(r, 'm2m:swc/agss'), swstNOT_YET_STARTED)


	@unittest.skipIf(noCSE, 'No CSEBase')
	def test_createSWCConflictFail(self) -> None:
		"""	CREATE <SWC> for the same software, a shared target and the same criteria -> Fail """
		dct = self._campaignDct(f'{swcRN}Conflict', 
								[ TestSWC.nodes['ok2'], TestSWC.nodes['ok3'] ],
								swnm = f'{swcRN}App',		# the software of swcRN
								swvr = '2.0',				# another version does not matter
								swtc = [ self._criterion('trigger') ])
		r, rsc = CREATE(cseURL, TestSWC.originator, SWC, dct)
		self.assertEqual(rsc, RC.CONFLICT, r)
		self.assertIn(TestSWC.swcRI, findXPath(r, 'm2m:dbg'))		# names the campaign it conflicts with


	#########################################################################
	#
	#	UPDATE rules
	#

	@unittest.skipIf(noCSE, 'No CSEBase')
	def test_updateSWCUnfinishedLockedFail(self) -> None:
		"""	UPDATE <SWC> swvr, swtg or swop while NOT_YET_STARTED -> Fail """
		for attribute, value in (	( 'swvr', '1.1' ),
									( 'swtg', [ TestSWC.nodes['ok3'] ] ),
									( 'swop', swopUNINSTALL ) ):
			r, rsc = UPDATE(swcURL, TestSWC.originator, { 'm2m:swc' : { attribute : value }})
			self.assertEqual(rsc, RC.OPERATION_NOT_ALLOWED, f'{attribute}: {r}')
		self.assertEqual(findXPath(self._retrieveCampaign(swcRN), 'm2m:swc/swvr'), '1.0')


	@unittest.skipIf(noCSE, 'No CSEBase')
	def test_updateSWCCSESetAttributeFail(self) -> None:
		"""	UPDATE <SWC> agss -> Fail """
		r, rsc = UPDATE(swcURL, TestSWC.originator, { 'm2m:swc' : { 'agss' : swstINSTALLED }})
		self.assertEqual(rsc, RC.BAD_REQUEST, r)


	@unittest.skipIf(noCSE, 'No CSEBase')
	def test_updateSWCLabels(self) -> None:
		"""	UPDATE <SWC> lbl while NOT_YET_STARTED """
		r, rsc = UPDATE(swcURL, TestSWC.originator, { 'm2m:swc' : { 'lbl' : [ 'fleet:thermostats' ] }})
		self.assertEqual(rsc, RC.UPDATED, r)
		self.assertEqual(findXPath(r, 'm2m:swc/lbl'), [ 'fleet:thermostats' ])
		self.assertEqual(findXPath(r, 'm2m:swc/agss'), swstNOT_YET_STARTED)


	#########################################################################
	#
	#	Trigger criteria
	#

	@unittest.skipIf(noCSE, 'No CSEBase')
	def test_triggerSWCNotMetNotStarted(self) -> None:
		"""	UPDATE trigger subject below the threshold -> <SWC> stays NOT_YET_STARTED """
		self._raiseFlag('trigger', 50)
		self._assertNotStarted(swcRN)


	@unittest.skipIf(noCSE, 'No CSEBase')
	def test_triggerSWCMetStartsCampaign(self) -> None:
		"""	UPDATE trigger subject to meet the criterion -> <SWC> runs to INSTALLED """
		self._raiseFlag('trigger', 150)
		r = self._waitFinished(swcRN)
		self.assertEqual(findXPath(r, 'm2m:swc/agss'), swstINSTALLED, r)
		self.assertEqual(self._statuses(r), [ swstINSTALLED ] * 2, r)
		self.assertEqual(len(findXPath(r, 'm2m:swc/swlk')), 2, r)
		TestSWC.swlk = findXPath(r, 'm2m:swc/swlk')


	@unittest.skipIf(noCSE, 'No CSEBase')
	def test_retrieveSWCSoftware(self) -> None:
		"""	RETRIEVE the [software] of <SWC> under its target <node>s -> successfully installed """
		self.assertEqual(len(TestSWC.swlk), 2)
		for swri in TestSWC.swlk:
			r, rsc = RETRIEVE(f'{csiURL}/{swri}', TestSWC.originator)
			self.assertEqual(rsc, RC.OK, r)
			self.assertEqual(findXPath(r, 'm2m:swr/mgd'), T.SWR)
			self.assertEqual(findXPath(r, 'm2m:swr/swn'), f'{swcRN}App')
			self.assertEqual(findXPath(r, 'm2m:swr/vr'), '1.0')
			self.assertEqual(findXPath(r, 'm2m:swr/url'), swcPackageURL)
			self.assertEqual(findXPath(r, 'm2m:swr/ins/sus'), 1)		# successful


	#########################################################################
	#
	#	Campaigns over local <node>s, run by the simulated device agent
	#

	@unittest.skipIf(noCSE, 'No CSEBase')
	def test_runSWCInstall(self) -> None:
		"""	CREATE <SWC> without criteria on three <node>s -> every target INSTALLED """
		rn = f'{swcRN}Install'
		targets = [ TestSWC.nodes['ok1'], TestSWC.nodes['ok2'], TestSWC.nodes['ok3'] ]
		self._createCampaign(self._campaignDct(rn, targets))
		r = self._waitFinished(rn)
		self.assertEqual(findXPath(r, 'm2m:swc/agss'), swstINSTALLED, r)
		self.assertEqual(findXPath(r, 'm2m:swc/inss/{}/tgt'), targets)
		self.assertEqual(self._statuses(r), [ swstINSTALLED ] * 3, r)
		self.assertEqual(sorted(findXPath(r, 'm2m:swc/inss/{}/swri')), sorted(findXPath(r, 'm2m:swc/swlk')))


	@unittest.skipIf(noCSE, 'No CSEBase')
	def test_runSWCActivate(self) -> None:
		"""	CREATE <SWC> ACTIVATE on two <node>s -> every target ACTIVATED """
		rn = f'{swcRN}Activate'
		targets = [ TestSWC.nodes['ok1'], TestSWC.nodes['ok2'] ]
		self._createCampaign(self._campaignDct(rn, targets, swop = swopACTIVATE))
		r = self._waitFinished(rn)
		self.assertEqual(findXPath(r, 'm2m:swc/agss'), swstACTIVATED, r)
		self.assertEqual(self._statuses(r), [ swstACTIVATED ] * 2, r)


	@unittest.skipIf(noCSE, 'No CSEBase')
	def test_runSWCFailingNodeError(self) -> None:
		"""	CREATE <SWC> with a failing device -> that target and the campaign ERROR, the others INSTALLED """
		rn = f'{swcRN}Fail'
		targets = [ TestSWC.nodes['ok1'], TestSWC.nodes['fail'], TestSWC.nodes['ok2'] ]
		self._createCampaign(self._campaignDct(rn, targets))
		r = self._waitFinished(rn)
		self.assertEqual(findXPath(r, 'm2m:swc/agss'), swstERROR, r)
		self.assertEqual(self._statuses(r), [ swstINSTALLED, swstERROR, swstINSTALLED ], r)


	@unittest.skipIf(noCSE, 'No CSEBase')
	def test_runSWCSilentNodeTimeout(self) -> None:
		"""	CREATE <SWC> with a silent device -> IN_PROGRESS, then ERROR after targetTimeout """
		rn = f'{swcRN}Silent'
		targets = [ TestSWC.nodes['silent'], TestSWC.nodes['ok1'] ]
		started = time.monotonic()
		self._createCampaign(self._campaignDct(rn, targets))

		# The healthy device answers long before the silent one times out
		r = self._waitForCampaign(rn, lambda r: self._statuses(r)[1] == swstINSTALLED, swcAgentDelayMax + 3)
		self.assertEqual(self._statuses(r), [ swstIN_PROGRESS, swstINSTALLED ], r)
		self.assertEqual(findXPath(r, 'm2m:swc/agss'), swstIN_PROGRESS, r)

		r = self._waitFinished(rn, swcTargetTimeout + swcRunTimeout)
		self.assertEqual(findXPath(r, 'm2m:swc/agss'), swstERROR, f'is [plugin.swc] targetTimeout of the CSE {swcTargetTimeout}? {r}')
		self.assertEqual(self._statuses(r), [ swstERROR, swstINSTALLED ], r)
		self.assertGreaterEqual(time.monotonic() - started, swcTargetTimeout)


	#########################################################################
	#
	#	<schedule> windows
	#

	@unittest.skipIf(noCSE, 'No CSEBase')
	def test_scheduleSWCPendingOutsideWindow(self) -> None:
		"""	CREATE <SWC> with a <SCH> whose window is closed, then trigger it -> stays NOT_YET_STARTED """
		rn = f'{swcRN}Schedule'
		self._createCampaign(self._campaignDct(rn, [ TestSWC.nodes['ok3'] ], swtc = [ self._criterion('schedule') ]))

		# The only window is a minute half an hour away
		closedMinute = (utcNow().minute + 30) % 60
		dct = 	{ 'm2m:sch' : {
					'se' : { 'sce' : [ f'* {closedMinute} * * * * *' ] }
				}}
		r, rsc = CREATE(f'{cseURL}/{rn}', TestSWC.originator, T.SCH, dct)
		self.assertEqual(rsc, RC.CREATED, r)
		TestSWC.schRI = findXPath(r, 'm2m:sch/ri')

		self._raiseFlag('schedule', 150)
		self._assertNotStarted(rn)


	@unittest.skipIf(noCSE, 'No CSEBase')
	def test_scheduleSWCRunsInOpenWindow(self) -> None:
		"""	UPDATE the <SCH> of a triggered <SWC> to an open window -> INSTALLED """
		rn = f'{swcRN}Schedule'
		self.assertIsNotNone(TestSWC.schRI)
		r, rsc = UPDATE(f'{csiURL}/{TestSWC.schRI}', TestSWC.originator, { 'm2m:sch' : { 'se' : { 'sce' : [ '* * * * * * *' ] }}})
		self.assertEqual(rsc, RC.UPDATED, r)
		r = self._waitFinished(rn)
		self.assertEqual(findXPath(r, 'm2m:swc/agss'), swstINSTALLED, r)
		self.assertEqual(self._statuses(r), [ swstINSTALLED ], r)


	#########################################################################
	#
	#	UPDATE after the end, DELETE
	#

	@unittest.skipIf(noCSE, 'No CSEBase')
	def test_updateSWCFinishedStartsNewRun(self) -> None:
		"""	UPDATE <SWC> swvr after it finished -> a new run with new [software] """
		r, rsc = UPDATE(swcURL, TestSWC.originator, { 'm2m:swc' : { 'swvr' : '1.1' }})
		self.assertEqual(rsc, RC.UPDATED, r)
		r = self._waitForCampaign(swcRN, 
								  lambda r: findXPath(r, 'm2m:swc/agss') == swstINSTALLED 
								  			and set(findXPath(r, 'm2m:swc/swlk')).isdisjoint(TestSWC.swlk),
								  swcRunTimeout)
		self.assertEqual(findXPath(r, 'm2m:swc/agss'), swstINSTALLED, r)
		self.assertTrue(set(findXPath(r, 'm2m:swc/swlk')).isdisjoint(TestSWC.swlk), r)
		r, rsc = RETRIEVE(f'{csiURL}/{findXPath(r, "m2m:swc/swlk/{0}")}', TestSWC.originator)
		self.assertEqual(rsc, RC.OK, r)
		self.assertEqual(findXPath(r, 'm2m:swr/vr'), '1.1')


	@unittest.skipIf(noCSE, 'No CSEBase')
	def test_deleteSWC(self) -> None:
		"""	DELETE <SWC> -> its [software] stay on the <node>s """
		r, rsc = DELETE(swcURL, TestSWC.originator)
		self.assertEqual(rsc, RC.DELETED, r)
		r, rsc = RETRIEVE(swcURL, TestSWC.originator)
		self.assertEqual(rsc, RC.NOT_FOUND, r)
		for swri in TestSWC.swlk:
			r, rsc = RETRIEVE(f'{csiURL}/{swri}', TestSWC.originator)
			self.assertEqual(rsc, RC.OK, r)


def run(testFailFast:bool) -> TestResult:

	# Assign tests
	suite = unittest.TestSuite()
	addTests(suite, TestSWC, [

		# CREATE rules
		'test_createSWCMissingMandatoryFail',
		'test_createSWCWithCSESetAttributesFail',
		'test_createSWCInvalidTargetsFail',
		'test_createSWCInvalidURLFail',
		'test_createSWC',
		'test_retrieveSWC',
		'test_createSWCConflictFail',

		# UPDATE rules
		'test_updateSWCUnfinishedLockedFail',
		'test_updateSWCCSESetAttributeFail',
		'test_updateSWCLabels',

		# trigger criteria
		'test_triggerSWCNotMetNotStarted',
		'test_triggerSWCMetStartsCampaign',
		'test_retrieveSWCSoftware',

		# campaigns over local nodes
		'test_runSWCInstall',
		'test_runSWCActivate',
		'test_runSWCFailingNodeError',
		'test_runSWCSilentNodeTimeout',

		# schedule windows
		'test_scheduleSWCPendingOutsideWindow',
		'test_scheduleSWCRunsInOpenWindow',

		# UPDATE after the end, DELETE
		'test_updateSWCFinishedStartsNewRun',
		'test_deleteSWC',
	])

	# Run tests
	result = unittest.TextTestRunner(verbosity = testVerbosity, failfast = testFailFast).run(suite)
	printResult(result)
	return result.testsRun, len(result.errors + result.failures), len(result.skipped), getSleepTimeCount()


if __name__ == '__main__':
	r, errors, s, t = run(True)
	sys.exit(errors)
